package geo

import (
	"strconv"
	"strings"
)

// textCoordinates finds a latitude and longitude written in a profile
// location, as old clients did ("ÜT: 34.07,-118.35" from UberTwitter,
// "iPhone: 34.07,-118.35") and some people still do ("40.81, -81.39"), and
// looks the point up in the borders. Both numbers need a decimal point, so
// postcodes, street numbers and opening hours are no coordinates; a number
// that runs on into more dots (an IP address) is none either.
func (a *Attributor) textCoordinates(text string) (Attribution, bool) {
	lat, lon, ok := findCoordinatePair(text)
	if !ok {
		return Attribution{}, false
	}
	at, ok := a.coordinates(lat, lon)
	if !ok {
		return Attribution{}, false
	}
	at.Method = MethodProfileCoordinates
	at.Confidence = round2(at.Confidence - 0.05) // a point typed once, maybe long ago
	return at, true
}

// findCoordinatePair returns the first "lat, lon" pair in s: two decimal
// numbers separated by a comma, a semicolon or spaces. Each number may carry
// a degree sign and a hemisphere letter, as atlases write them ("39.83° N,
// 98.58° W"): S and W make it negative, and a pair written longitude first
// ("98.58° W 39.83° N") is turned round. Letters must then name one
// latitude and one longitude.
func findCoordinatePair(s string) (lat, lon float64, ok bool) {
	for i := 0; i < len(s); i++ {
		if !startsNumber(s, i) {
			continue
		}
		x, end, ok1 := decimalAt(s, i)
		if !ok1 {
			continue
		}
		hx, end := hemisphereAt(s, end)
		j := end
		sep := false
		for j < len(s) && (s[j] == ' ' || s[j] == ',' || s[j] == ';') {
			sep = true
			j++
		}
		if !sep || j >= len(s) {
			continue
		}
		y, yend, ok2 := decimalAt(s, j)
		if !ok2 {
			continue
		}
		hy, _ := hemisphereAt(s, yend)
		x, y, ok3 := applyHemispheres(x, hx, y, hy)
		if !ok3 {
			continue
		}
		if x < -90 || x > 90 || y < -180 || y > 180 {
			continue
		}
		return x, y, true
	}
	return 0, 0, false
}

// hemisphereAt reads an optional degree sign, spaces and one hemisphere
// letter (N, S, E or W, either case, not starting a longer word) at s[i:].
// It returns the letter in upper case, or 0, and the offset after what it
// read; with no letter the offset is i (a bare degree sign is also skipped).
func hemisphereAt(s string, i int) (byte, int) {
	j := i
	if strings.HasPrefix(s[j:], "°") {
		j += len("°")
	}
	afterDegree := j
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j < len(s) {
		c := s[j] &^ 0x20 // upper case for ASCII letters
		if c == 'N' || c == 'S' || c == 'E' || c == 'W' {
			k := j + 1
			if k == len(s) || !isASCIILetter(s[k]) {
				return c, k
			}
		}
	}
	return 0, afterDegree
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// applyHemispheres signs and orders a pair by its hemisphere letters, if
// any. Letters that name two latitudes or two longitudes, a letter with a
// minus sign, or a letter on one number only make no pair.
func applyHemispheres(x float64, hx byte, y float64, hy byte) (lat, lon float64, ok bool) {
	if hx == 0 && hy == 0 {
		return x, y, true
	}
	if hx == 0 || hy == 0 || x < 0 || y < 0 {
		return 0, 0, false
	}
	isLat := func(h byte) bool { return h == 'N' || h == 'S' }
	if isLat(hx) == isLat(hy) {
		return 0, 0, false
	}
	if !isLat(hx) {
		x, hx, y, hy = y, hy, x, hx
	}
	if hx == 'S' {
		x = -x
	}
	if hy == 'W' {
		y = -y
	}
	return x, y, true
}

// startsNumber reports whether a signed number may start at s[i]: a digit
// or sign not glued to a word or another number before it.
func startsNumber(s string, i int) bool {
	c := s[i]
	if !(c >= '0' && c <= '9' || c == '-' || c == '+') {
		return false
	}
	if i > 0 {
		p := s[i-1]
		if p >= '0' && p <= '9' || p == '.' || p >= 'a' && p <= 'z' || p >= 'A' && p <= 'Z' || p == '-' || p == '+' {
			return false
		}
	}
	return true
}

// decimalAt reads [+-]digits.digits at s[i:], returning the value and the
// offset after it. It fails unless the number has a decimal point with
// digits on both sides and is not followed by another digit, dot or letter.
func decimalAt(s string, i int) (float64, int, bool) {
	j := i
	if j < len(s) && (s[j] == '-' || s[j] == '+') {
		j++
	}
	intStart := j
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == intStart || j-intStart > 3 || j >= len(s) || s[j] != '.' {
		return 0, 0, false
	}
	j++
	fracStart := j
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == fracStart {
		return 0, 0, false
	}
	if j < len(s) {
		c := s[j]
		if c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return 0, 0, false
		}
	}
	v, err := strconv.ParseFloat(s[i:j], 64)
	if err != nil {
		return 0, 0, false
	}
	return v, j, true
}
