// Package layers holds no code: its test checks that tagpulse's packages
// import one another only as docs/design.md draws it, so that the layering
// is a rule the build keeps rather than a habit.
package layers
