// Command worldgen writes dashboard/static/world.json, the world map the
// campaign page colours by posts: one compact SVG path per ISO 3166-1 alpha-2
// country, equirectangular, in a 1000×400 box (84° N to 60° S; Antarctica
// left out). It reads Natural Earth 1:110m countries as TopoJSON from the npm
// package world-atlas and ISO numeric→alpha-2 codes from i18n-iso-countries:
//
//	npm install --prefix /tmp/worldgen world-atlas@2.0.2 i18n-iso-countries@7.14.0
//	go run ./dashboard/internal/worldgen -modules /tmp/worldgen/node_modules > dashboard/static/world.json
//
// The output is committed; the generator runs only when the borders change.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const (
	width  = 1000.0
	north  = 84.0
	south  = -60.0
	height = (north - south) / 360 * width
)

type topology struct {
	Transform struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects struct {
		Countries struct {
			Geometries []struct {
				Type       string          `json:"type"`
				ID         string          `json:"id"`
				Arcs       json.RawMessage `json:"arcs"`
				Properties struct {
					Name string `json:"name"`
				} `json:"properties"`
			} `json:"geometries"`
		} `json:"countries"`
	} `json:"objects"`
	Arcs [][][2]float64 `json:"arcs"`
}

// Features without an ISO numeric code in Natural Earth, by name.
var byName = map[string]string{"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}

func main() {
	modules := flag.String("modules", "node_modules", "node_modules holding world-atlas and i18n-iso-countries")
	flag.Parse()
	if err := gen(*modules); err != nil {
		fmt.Fprintln(os.Stderr, "worldgen:", err)
		os.Exit(1)
	}
}

func gen(modules string) error {
	var topo topology
	if err := readJSON(filepath.Join(modules, "world-atlas", "countries-110m.json"), &topo); err != nil {
		return err
	}
	var codes [][]string
	if err := readJSON(filepath.Join(modules, "i18n-iso-countries", "codes.json"), &codes); err != nil {
		return err
	}
	numeric := map[string]string{}
	for _, c := range codes {
		numeric[c[2]] = c[0]
	}
	// Decode the delta-encoded, quantised arcs into projected points.
	arcs := make([][][2]float64, len(topo.Arcs))
	for i, a := range topo.Arcs {
		var x, y float64
		for _, p := range a {
			x, y = x+p[0], y+p[1]
			lon := x*topo.Transform.Scale[0] + topo.Transform.Translate[0]
			lat := y*topo.Transform.Scale[1] + topo.Transform.Translate[1]
			lat = math.Max(south, math.Min(north, lat))
			arcs[i] = append(arcs[i], [2]float64{(lon + 180) / 360 * width, (north - lat) / 360 * width})
		}
	}
	paths := map[string]*strings.Builder{}
	for _, g := range topo.Objects.Countries.Geometries {
		cc := numeric[g.ID]
		if cc == "" {
			cc = byName[g.Properties.Name]
		}
		if cc == "" || cc == "AQ" {
			continue
		}
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var rings [][]int
			if err := json.Unmarshal(g.Arcs, &rings); err != nil {
				return err
			}
			polys = [][][]int{rings}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return err
			}
		default:
			continue
		}
		b := paths[cc]
		if b == nil {
			b = &strings.Builder{}
			paths[cc] = b
		}
		for _, rings := range polys {
			for _, ring := range rings {
				writeRing(b, ring, arcs)
			}
		}
	}
	out := map[string]any{"width": width, "height": math.Round(height), "paths": map[string]string{}}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s := paths[k].String(); s != "" {
			out["paths"].(map[string]string)[k] = s
		}
	}
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(out)
}

// writeRing appends one closed ring as relative path commands in whole
// units, dropping points that round onto the previous one.
func writeRing(b *strings.Builder, ring []int, arcs [][][2]float64) {
	var pts [][2]int
	for _, ai := range ring {
		a := arcs[max(ai, ^ai)]
		if ai < 0 {
			rev := make([][2]float64, len(a))
			for i := range a {
				rev[i] = a[len(a)-1-i]
			}
			a = rev
		}
		for i, p := range a {
			if i == 0 && len(pts) > 0 {
				continue // shared with the previous arc's last point
			}
			q := [2]int{int(math.Round(p[0])), int(math.Round(p[1]))}
			// Rings that cross the antimeridian (Russia, Fiji) jump across
			// the map; keep them continuous and let the view box clip them.
			if len(pts) > 0 {
				for q[0]-pts[len(pts)-1][0] > width/2 {
					q[0] -= width
				}
				for pts[len(pts)-1][0]-q[0] > width/2 {
					q[0] += width
				}
			}
			if len(pts) > 0 && pts[len(pts)-1] == q {
				continue
			}
			pts = append(pts, q)
		}
	}
	if len(pts) < 3 {
		return
	}
	fmt.Fprintf(b, "M%d %d", pts[0][0], pts[0][1])
	b.WriteString("l")
	for i := 1; i < len(pts); i++ {
		dx, dy := pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1]
		if i > 1 && dx >= 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(dx))
		if dy >= 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(dy))
	}
	b.WriteString("z")
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
