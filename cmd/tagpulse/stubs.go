package main

import (
	"context"
	"errors"
)

// PROVISIONAL stubs, replaced command by command as each lands in its own file.

var errNotYet = errors.New("not implemented yet")

func cmdDemo(ctx context.Context, env *Env, args []string) error    { return errNotYet }
func cmdRun(ctx context.Context, env *Env, args []string) error     { return errNotYet }
func cmdImport(ctx context.Context, env *Env, args []string) error  { return errNotYet }
func cmdReport(ctx context.Context, env *Env, args []string) error  { return errNotYet }
func cmdExport(ctx context.Context, env *Env, args []string) error  { return errNotYet }
func cmdCheck(ctx context.Context, env *Env, args []string) error   { return errNotYet }
func cmdRebuild(ctx context.Context, env *Env, args []string) error { return errNotYet }
func cmdBackup(ctx context.Context, env *Env, args []string) error  { return errNotYet }
