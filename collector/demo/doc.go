// Package demo simulates a campaign for 'tagpulse demo': Poller produces
// a seeded, sped-up day of posts as Twitter v1.1 JSON and parses it with
// collector/x's real parser, so the demo runs the same pipeline as a real
// source or an import.
package demo
