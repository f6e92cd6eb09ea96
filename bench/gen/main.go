// Command gen writes N realistic Twitter v1.1 tweets as JSONL (see
// bench/v11gen) for bench/import.sh.
//
//	go run ./bench/gen -n 1000000 -o /tmp/v11-1m.jsonl
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tagpulse/tagpulse/bench/v11gen"
)

func main() {
	n := flag.Int("n", 200_000, "tweets to write (about 5% more lines: duplicates)")
	out := flag.String("o", "", "output file (default stdout)")
	seed := flag.Uint64("seed", 7, "random seed")
	flag.Parse()
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if _, err := v11gen.Write(w, *n, v11gen.Options{Seed: *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
