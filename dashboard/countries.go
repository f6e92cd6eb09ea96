package dashboard

import (
	_ "embed"
	"encoding/json"
)

//go:generate go run ./internal/namesgen

// countriesJSON holds country names in the dashboard's languages, generated
// from CLDR by internal/namesgen (the page asks the browser instead).
//
//go:embed countries.json
var countriesJSON []byte

// parseCountryNames reads the embedded names: language → code → name.
func parseCountryNames() (map[string]map[string]string, error) {
	var m map[string]map[string]string
	err := json.Unmarshal(countriesJSON, &m)
	return m, err
}
