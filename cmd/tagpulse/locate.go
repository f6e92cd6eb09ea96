package main

import "context"

// PROVISIONAL: replaced by the country-attribution work (aggregator/geo).
func cmdLocate(ctx context.Context, env *Env, args []string) error { return errNotYet }
