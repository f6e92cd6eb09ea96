package main

import (
	"fmt"
	"net/url"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/collector/x"
)

// SourcesConfig is the 'sources:' section of the configuration file: which
// platforms 'tagpulse run' collects from. A platform whose key is absent
// (or null) is not collected; "bluesky: {}" collects Bluesky with the
// defaults. Secrets are written as ${ENV_NAME}; every remote address
// (base_url, instances, jetstream) can point at a mirror or a test fake.
//
//	sources:
//	  x:        {bearer_token: ${TAGPULSE_X_BEARER_TOKEN}, every: 1m, base_url: https://api.x.com}
//	  twitter:  {consumer_key: ${…}, consumer_secret: ${…}, access_token: ${…}, access_secret: ${…}}
//	  mastodon: {instances: [https://mastodon.social, https://mastodon.online], every: 1m}
//	  bluesky:  {jetstream: wss://jetstream2.us-east.bsky.network/subscribe}
//	  poll_timeout: 1m
type SourcesConfig struct {
	X        *x.Config          `yaml:"x"`        // X API v2 recent search, one poller per campaign
	Twitter  *x.TwitterV1Config `yaml:"twitter"`  // Twitter v1.1 search/tweets, one poller per campaign
	Mastodon *mastodon.Config   `yaml:"mastodon"` // hashtag timelines, one poller per instance
	Bluesky  *bluesky.Config    `yaml:"bluesky"`  // Jetstream, one stream for all campaigns
	// PollTimeout is the deadline of one poll with all its requests
	// (default collector.DefaultPollTimeout).
	PollTimeout time.Duration `yaml:"poll_timeout"`
}

// Validate checks what one source's section cannot say alone.
func (c SourcesConfig) Validate() error {
	if c.Mastodon != nil {
		if err := c.Mastodon.Validate(); err != nil {
			return fmt.Errorf("mastodon: %w", err)
		}
	}
	return nil
}

// secrets lists the configured credentials, to keep them out of the health
// view and logs.
func (c SourcesConfig) secrets() []string {
	var s []string
	if c.X != nil {
		s = append(s, c.X.BearerToken)
	}
	if c.Twitter != nil {
		s = append(s, c.Twitter.ConsumerKey, c.Twitter.ConsumerSecret, c.Twitter.AccessToken, c.Twitter.AccessSecret, c.Twitter.BearerToken)
	}
	var urls []string
	if c.X != nil {
		urls = append(urls, c.X.BaseURL)
	}
	if c.Twitter != nil {
		urls = append(urls, c.Twitter.BaseURL)
	}
	if c.Mastodon != nil {
		s = append(s, c.Mastodon.Token)
		for _, t := range c.Mastodon.Tokens {
			s = append(s, t)
		}
		urls = append(urls, c.Mastodon.Instances...)
	}
	if c.Bluesky != nil {
		urls = append(urls, c.Bluesky.Jetstream)
	}
	// Credentials in an address (https://user:pass@host) travel as Basic
	// auth, and a server may echo them back in an error without the URL.
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			s = append(s, collector.UserInfoSecrets(u.User.String())...)
		}
	}
	out := s[:0]
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
