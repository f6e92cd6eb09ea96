// Command namesgen writes dashboard/countries.json: the names of the ISO
// 3166-1 countries in the dashboard's languages, from the CLDR data that
// golang.org/x/text carries. The server needs them for the share card (the
// page itself asks the browser's Intl.DisplayNames). Run by go generate in
// package dashboard; the output is committed.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// langs are the dashboard's languages (dashboard.Languages).
var langs = []string{"ar", "de", "en", "es", "fr"}

// short are CLDR's short ("alt=short") names where its full name is not the
// one people and browsers use (Chromium shows these): Palestine, not
// "Palestinian Territories".
var short = map[string]map[string]string{
	"PS": {"ar": "فلسطين", "de": "Palästina", "en": "Palestine", "es": "Palestina", "fr": "Palestine"},
}

func main() {
	out := map[string]map[string]string{}
	for _, l := range langs {
		names := display.Regions(language.Make(l))
		m := map[string]string{}
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				code := string([]rune{a, b})
				r, err := language.ParseRegion(code)
				if err != nil || !r.IsCountry() || r.String() != code {
					continue
				}
				if n := short[code][l]; n != "" {
					m[code] = n
				} else if n := names.Name(r); n != "" {
					m[code] = n
				}
			}
		}
		out[l] = m
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile("countries.json", append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
