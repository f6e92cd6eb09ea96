package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/store"
)

// importTokenEnv names the variable that holds the token of POST /import,
// for the server and for 'import -server' alike.
const importTokenEnv = "TAGPULSE_IMPORT_TOKEN"

// importReadIdle is how long the server waits for more of an archive that
// a client is sending: a client that stops sending is let go.
const importReadIdle = 60 * time.Second

// maxCompanionBytes bounds the companion files (account.js, actor.json…)
// sent with an archive.
const maxCompanionBytes = 64 << 20

// importTarget is what POST /import writes into: the running tagpulse's
// store, through the same exactly-once ingest as its collectors.
type importTarget struct {
	DB       collector.Sink // the store, or on a cluster's collect node the stream
	Matcher  *collector.Matcher
	Campaign func(name string) *store.Campaign
	Token    string // from TAGPULSE_IMPORT_TOKEN; "" leaves /import off
	Wake     func() // tells the aggregator that posts arrived
	Now      func() time.Time
}

// importEvent is one line of POST /import's answer (NDJSON): a malformed
// record, or the end of the file with its result or error.
type importEvent struct {
	Malformed *importMalformed `json:"malformed,omitempty"`
	Result    *archive.Result  `json:"result,omitempty"`
	Summary   string           `json:"summary,omitempty"`
	Error     string           `json:"error,omitempty"`
	Empty     bool             `json:"empty,omitempty"` // the error is archive.ErrEmpty
}

type importMalformed struct {
	Where string `json:"where"`
	Error string `json:"error"`
}

// importHandler takes an archive for 'tagpulse import -server': a
// multipart body with the archive's companion files first ("companion"
// parts) and then the archive ("file"), read as it arrives and ingested
// exactly as 'import' does offline. Guarded like /backup: off without a
// token, then only for clients on this host that present it. The answer is
// NDJSON: the malformed records (at most maxShownMalformed+1), then one
// line with the result and the summary.
func importHandler(t importTarget, log *slog.Logger) http.HandlerFunc {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if t.Token == "" {
			http.Error(w, "imports over HTTP are off: start tagpulse with "+importTokenEnv+" set, and give 'tagpulse import -server' the same", http.StatusNotFound)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "imports are taken from this host only", http.StatusForbidden)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(t.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tagpulse import"`)
			http.Error(w, "an import needs the server's "+importTokenEnv, http.StatusUnauthorized)
			return
		}
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, "an import is a multipart/form-data body: "+err.Error(), http.StatusBadRequest)
			return
		}
		rc := http.NewResponseController(w)
		body := &idleDeadline{rc: rc, d: importReadIdle}
		body.renew()
		companions := map[string][]byte{}
		total := 0
		var part *multipart.Part
		for {
			part, err = mr.NextPart()
			if err != nil {
				http.Error(w, "the import has no \"file\" part: "+err.Error(), http.StatusBadRequest)
				return
			}
			if part.FormName() == "file" {
				break
			}
			if part.FormName() != "companion" {
				http.Error(w, fmt.Sprintf("unknown part %q: an import sends companion parts, then one file", part.FormName()), http.StatusBadRequest)
				return
			}
			b, err := io.ReadAll(io.LimitReader(part, maxCompanionBytes-int64(total)+1))
			total += len(b)
			if err != nil || total > maxCompanionBytes {
				http.Error(w, "companion files are too large or cut short", http.StatusBadRequest)
				return
			}
			companions[filepath.Base(part.FileName())] = b
		}
		name := filepath.Base(part.FileName())
		if name == "." || name == "/" || name == "" {
			name = "upload"
		}
		var events []importEvent
		shown := 0
		start := time.Now()
		res, err := archive.ImportReader(r.Context(), t.DB, t.Matcher, name, &deadlineReader{r: part, d: body}, archive.Options{
			Now: t.Now,
			Malformed: func(m collector.Malformed) {
				if shown <= maxShownMalformed {
					events = append(events, importEvent{Malformed: &importMalformed{Where: m.Where, Error: m.Err.Error()}})
				}
				shown++
			},
			Companion: func(n string) ([]byte, error) {
				if b, ok := companions[filepath.Base(n)]; ok {
					return b, nil
				}
				return nil, os.ErrNotExist
			},
		})
		if res.Added > 0 && t.Wake != nil {
			t.Wake()
		}
		end := importEvent{Result: &res}
		if err != nil {
			end.Error = err.Error()
			end.Empty = errors.Is(err, archive.ErrEmpty)
			log.Warn("import over HTTP failed", "file", name, "err", err)
		}
		if err == nil || res.Records > 0 {
			end.Summary = importSummary(res, t.Campaign, time.Since(start))
		}
		log.Info("import over HTTP", "file", name, "added", res.Added, "duplicates", res.Duplicates, "malformed", res.Malformed)
		rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		for _, e := range append(events, end) {
			if err := enc.Encode(e); err != nil {
				return
			}
		}
	}
}

// idleDeadline renews the request's read deadline as the body arrives, so
// that an archive may take as long as it needs while a client that stops
// sending is let go.
type idleDeadline struct {
	rc *http.ResponseController
	d  time.Duration
}

func (i *idleDeadline) renew() {
	i.rc.SetReadDeadline(time.Now().Add(i.d))
}

type deadlineReader struct {
	r io.Reader
	d *idleDeadline
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	d.d.renew()
	return d.r.Read(p)
}

// importToServer sends one archive, with the companion files beside it, to
// a running tagpulse and returns its answer's events.
func importToServer(ctx context.Context, base, token, path string) ([]importEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for _, c := range archive.Companions() {
				b, err := os.ReadFile(filepath.Join(filepath.Dir(path), c))
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return err
				}
				w, err := mw.CreateFormFile("companion", c)
				if err != nil {
					return err
				}
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			w, err := mw.CreateFormFile("file", filepath.Base(path))
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, f); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/import", pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("import %s: the server answered %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	var events []importEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var e importEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return events, fmt.Errorf("import %s: the server's answer is not tagpulse's: %w", path, err)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return events, fmt.Errorf("import %s: the answer broke off: %w", path, err)
	}
	if len(events) == 0 || (events[len(events)-1].Result == nil && events[len(events)-1].Error == "") {
		return events, fmt.Errorf("import %s: the server's answer ended before its result", path)
	}
	return events, nil
}
