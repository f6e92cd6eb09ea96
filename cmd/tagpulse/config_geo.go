package main

// GeoConfig is the 'geo:' section of the configuration file.
// PROVISIONAL: filled in by the work that needs it.
type GeoConfig struct{}
