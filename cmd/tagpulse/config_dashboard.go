package main

// DashboardConfig is the 'dashboard:' section of the configuration file.
// PROVISIONAL: filled in by the work that needs it.
type DashboardConfig struct{}
