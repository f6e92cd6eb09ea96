// Package cluster runs tagpulse on more than one machine over NATS
// JetStream, for campaigns that want collection to survive a machine or a
// network failing, one rate-limit budget per platform however many machines
// run, and many read-only dashboards.
//
// A collect node runs the sources and publishes each matched post to the
// stream (subject tagpulse.posts.<platform>, Nats-Msg-Id platform:id, so
// the stream drops re-publications in its window and every serve node's
// store dedupe drops the rest). Source cursors and a lease per source live
// in JetStream key-value buckets: exactly one node holds each source, and
// another takes it over within a lease period when the holder dies. The
// cursor moves by compare-and-set on its revision, so a node that lost its
// lease without knowing it can re-publish posts (harmless) but never move a
// cursor back.
//
// A serve node reads the stream through its own durable consumer into its
// own bbolt store with store.Append, the applied stream sequence written as
// a cursor ("cluster:<stream>") in the same transaction as the posts: a
// crash resumes exactly where the store ends. Figures do not depend on
// arrival order, so every serve node shows the same numbers.
//
// Bluesky's AppView lookups (authors' profiles, posts' engagement) run on
// one serve node at a time under a lease and publish amendment messages
// (Amender), which every serve node applies with store.DB.Amend, the stream
// sequence in the same transaction.
//
// Without a cluster configuration nothing here runs.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Roles a node can play.
const (
	RoleCollect = "collect" // run the sources, publish to the stream
	RoleServe   = "serve"   // consume the stream into the local store, serve figures
	RoleBoth    = "both"    // both of them in one process
)

// Defaults.
const (
	DefaultStream = "tagpulse-posts"
	DefaultLease  = 15 * time.Second
	// SubjectPrefix is the subject space of the post stream: one subject per
	// platform, tagpulse.posts.x, tagpulse.posts.mastodon, …
	SubjectPrefix = "tagpulse.posts"
	// dedupeWindow is how long the stream remembers a Nats-Msg-Id. The
	// store's dedupe index drops what comes again after it.
	dedupeWindow = 10 * time.Minute
	opTimeout    = 10 * time.Second
)

// Errors.
var (
	// ErrLeaseLost is returned when a source's cursor was moved by another
	// node: this node's lease on it ended. Nothing was moved.
	ErrLeaseLost = errors.New("cluster: lease lost: another node holds the source")
	// ErrNotHeld is returned by a publish for a source whose lease this node
	// does not hold.
	ErrNotHeld = errors.New("cluster: this node does not hold the source's lease")
)

// Config is the cluster: section of the configuration. The zero Config
// (no NATS URL) is no cluster at all.
type Config struct {
	// NATS is the server URL, or several separated by commas
	// (nats://n1:4222,nats://n2:4222).
	NATS string `yaml:"nats"`
	// Stream is the JetStream stream's name (DefaultStream when empty); the
	// key-value buckets are named after it (<stream>-cursors, <stream>-leases).
	Stream string `yaml:"stream"`
	// Role is collect, serve or both (the default).
	Role string `yaml:"role"`
	// Credentials authenticate to NATS: a .creds file's path or its
	// contents, "user:password", or a token. Write it as ${VARIABLE}.
	Credentials string `yaml:"credentials"`
	// Node names this node in leases, consumer names and metrics; the host
	// name when empty. Every node needs its own.
	Node string `yaml:"node"`
	// Lease is the lease period (DefaultLease when zero): a dead collect
	// node's sources are taken over within it. Fixed when the leases bucket
	// is first created.
	Lease time.Duration `yaml:"lease"`
	// Replicas is the stream's and buckets' replica count when this node
	// creates them. Zero picks it: 1 on a lone server, up to 3 on a cluster
	// (as many servers as the connection knows of).
	Replicas int `yaml:"replicas"`
}

// Check validates the configuration and fills defaults.
func (c *Config) Check() error {
	if strings.TrimSpace(c.NATS) == "" {
		return errors.New("cluster.nats: missing (e.g. nats://127.0.0.1:4222)")
	}
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if !validName(c.Stream) {
		return fmt.Errorf("cluster.stream: %q: use letters, digits, '-' and '_'", c.Stream)
	}
	switch c.Role {
	case RoleCollect, RoleServe, RoleBoth:
	case "":
		c.Role = RoleBoth
	default:
		return fmt.Errorf("cluster.role: %q: want collect, serve or both", c.Role)
	}
	if c.Node == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return errors.New("cluster.node: missing and the host name is unknown")
		}
		c.Node = h
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.Lease < time.Second {
		return fmt.Errorf("cluster.lease: %s: at least 1s", c.Lease)
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		return fmt.Errorf("cluster.replicas: %d: want 1 to 5", c.Replicas)
	}
	return nil
}

// Collects reports whether the node runs sources.
func (c *Config) Collects() bool { return c.Role == RoleCollect || c.Role == RoleBoth }

// Serves reports whether the node consumes the stream into its store.
func (c *Config) Serves() bool { return c.Role == RoleServe || c.Role == RoleBoth }

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Conn is a node's connection to NATS with the stream and buckets it uses.
type Conn struct {
	cfg     Config
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  jetstream.Stream
	cursors jetstream.KeyValue
	leases  jetstream.KeyValue
	log     *slog.Logger
}

// Connect connects to NATS and opens the stream and key-value buckets,
// creating those missing (with cfg.Replicas). cfg must have passed Check.
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Conn, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []nats.Option{
		nats.Name("tagpulse " + cfg.Node),
		nats.MaxReconnects(-1), // a serve node waits out a NATS outage
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "server", nc.ConnectedUrlRedacted()) }),
	}
	auth, err := credentialsOption(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	if auth != nil {
		opts = append(opts, auth)
	}
	nc, err := nats.Connect(cfg.NATS, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to nats: %w", err)
	}
	c, err := open(ctx, nc, cfg, log)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func open(ctx context.Context, nc *nats.Conn, cfg Config, log *slog.Logger) (*Conn, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4*publishChunk))
	if err != nil {
		return nil, fmt.Errorf("cluster: jetstream: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*opTimeout)
	defer cancel()
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
		if nc.ConnectedClusterName() != "" {
			cfg.Replicas = min(3, len(nc.Servers()))
		}
	}
	c := &Conn{cfg: cfg, nc: nc, js: js, log: log}
	c.stream, err = js.Stream(ctx, cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		c.stream, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        cfg.Stream,
			Description: "tagpulse: matched posts, one message per post",
			Subjects:    []string{SubjectPrefix + ".>"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy, // kept: a serve node started later reads it all
			Replicas:    cfg.Replicas,
			Duplicates:  dedupeWindow,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			c.stream, err = js.Stream(ctx, cfg.Stream) // another node made it first
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: stream %s: %w", cfg.Stream, err)
	}
	if c.cursors, err = bucket(ctx, js, jetstream.KeyValueConfig{
		Bucket: cfg.Stream + "-cursors", Description: "tagpulse: source cursors",
		History: 1, Storage: jetstream.FileStorage, Replicas: cfg.Replicas,
	}); err != nil {
		return nil, err
	}
	if c.leases, err = bucket(ctx, js, jetstream.KeyValueConfig{
		Bucket: cfg.Stream + "-leases", Description: "tagpulse: which node collects each source",
		History: 1, TTL: cfg.Lease, Storage: jetstream.FileStorage, Replicas: cfg.Replicas,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func bucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, cfg)
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, cfg.Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}

// credentialsOption turns the credentials setting into a NATS option: a
// .creds file (path or contents), user:password, or a token.
func credentialsOption(cred string) (nats.Option, error) {
	cred = strings.TrimSpace(cred)
	switch {
	case cred == "":
		return nil, nil
	case strings.Contains(cred, "BEGIN NATS USER JWT"):
		userJWT, err := jwt.ParseDecoratedJWT([]byte(cred))
		if err != nil {
			return nil, fmt.Errorf("cluster.credentials: %w", err)
		}
		kp, err := jwt.ParseDecoratedNKey([]byte(cred))
		if err != nil {
			return nil, fmt.Errorf("cluster.credentials: %w", err)
		}
		seed, err := kp.Seed()
		if err != nil {
			return nil, fmt.Errorf("cluster.credentials: %w", err)
		}
		return nats.UserJWTAndSeed(userJWT, string(seed)), nil
	case fileExists(cred):
		return nats.UserCredentials(cred), nil
	case strings.HasSuffix(cred, ".creds"):
		return nil, fmt.Errorf("cluster.credentials: no file %s", cred)
	case strings.Contains(cred, ":"):
		user, pass, _ := strings.Cut(cred, ":")
		return nats.UserInfo(user, pass), nil
	}
	return nats.Token(cred), nil
}

// Node is the node's name.
func (c *Conn) Node() string { return c.cfg.Node }

// Config is the configuration the connection was made with.
func (c *Conn) Config() Config { return c.cfg }

// Close drains nothing: leases and consumers are released by their own
// Run's end; Close just closes the connection.
func (c *Conn) Close() { c.nc.Close() }

// StreamLastSeq asks the server for the stream's last sequence.
func (c *Conn) StreamLastSeq(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	info, err := c.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("cluster: stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// kvKey makes a source name a valid key-value key: characters outside
// [A-Za-z0-9_-] (':' and '.' included, which the key syntax restricts) are
// written =XX, so "mastodon:mastodon.social" is "mastodon=3Amastodon=2Esocial".
func kvKey(name string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('=')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	if b.Len() == 0 {
		return "=00"
	}
	return b.String()
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
