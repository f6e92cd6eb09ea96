package main

// SourcesConfig is the 'sources:' section of the configuration file.
// PROVISIONAL: filled in by the work that needs it.
type SourcesConfig struct{}
