package main

import (
	"errors"
)

// PROVISIONAL stubs, replaced command by command as each lands in its own file.

var errNotYet = errors.New("not implemented yet")
