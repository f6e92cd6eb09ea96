// Command geo is a program that uses package geo, for TestBinaryGrowth.
package main

import (
	"fmt"
	"os"

	"github.com/tagpulse/tagpulse/aggregator/geo"
)

func main() {
	a, err := geo.New(geo.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(a.Locate(os.Args[len(os.Args)-1]).Country)
}
