package main

import (
	"context"
	"errors"
)

// PROVISIONAL stubs, replaced command by command as each lands in its own file.

var errNotYet = errors.New("not implemented yet")

func cmdRun(ctx context.Context, env *Env, args []string) error  { return errNotYet }
