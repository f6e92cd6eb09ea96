package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// The embedded assets change only with the binary, so pages link them by
// content hash, /static/app.0123456789ab.js, and those answers may be kept
// for a year ("immutable": a browser never asks again). A new binary with a
// changed file links a new name. The plain names (/static/app.js) still
// answer, kept for five minutes, and so does a hashed name of another build
// (an old page open across an upgrade), kept as briefly.

// assetHashLen is how many hex digits of the SHA-256 a hashed name carries.
const assetHashLen = 12

// assetHashes maps each embedded asset's name to its content hash.
var assetHashes = func() map[string]string {
	out := map[string]string{}
	fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:])[:assetHashLen]
		return nil
	})
	return out
}()

// assetURL is the hashed address of an embedded asset ("app.js" →
// "/static/app.0123456789ab.js"); an unknown name keeps its plain address.
func assetURL(name string) string {
	h, ok := assetHashes[name]
	if !ok {
		return "/static/" + name
	}
	ext := path.Ext(name)
	return "/static/" + strings.TrimSuffix(name, ext) + "." + h + ext
}

// unhash splits a hashed asset name into the file's name and the hash it
// carries; ok is false for a name without one.
func unhash(name string) (file, hash string, ok bool) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	i := strings.LastIndexByte(stem, '.')
	if i < 0 || len(stem)-i-1 != assetHashLen {
		return name, "", false
	}
	hash = stem[i+1:]
	for _, c := range hash {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return name, "", false
		}
	}
	return stem[:i] + ext, hash, true
}

// serveStatic serves the embedded assets under /static/ (the prefix
// stripped), by plain or hashed name.
func serveStatic(files fs.FS) http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path
		cache := "public, max-age=300"
		if file, hash, ok := unhash(name); ok {
			if _, known := assetHashes[file]; known {
				if assetHashes[file] == hash {
					cache = "public, max-age=31536000, immutable"
				}
				r2 := *r
				u := *r.URL
				u.Path = file
				r2.URL = &u
				r = &r2
			}
		}
		w.Header().Set("Cache-Control", cache)
		fsrv.ServeHTTP(w, r)
	})
}
