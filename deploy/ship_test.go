package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tagpulse/tagpulse/internal/testneed"
)

// dockerInstruction is one instruction of a Dockerfile, continuation lines
// joined.
type dockerInstruction struct {
	line int
	cmd  string // upper case: FROM, RUN, …
	args string
}

func readDockerfile(t *testing.T) []dockerInstruction {
	t.Helper()
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []dockerInstruction
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstruction{start, strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// execForm decodes an instruction's JSON exec form (["/tagpulse", "run"]).
func execForm(t *testing.T, in dockerInstruction, args string) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(args), &v); err != nil || len(v) == 0 {
		t.Fatalf("Dockerfile:%d: %s %s: want the exec form [\"…\"] (no shell on the image): %v", in.line, in.cmd, args, err)
	}
	return v
}

// TestDockerfile checks what no builder runs here (no daemon, no registry):
// a multi-stage build whose last stage is a static base without a shell, a
// non-root user, the store on a volume, a HEALTHCHECK the binary answers
// itself, and a build stage that builds with the Makefile's target.
// TestReleaseBinary runs that target and those commands.
func TestDockerfile(t *testing.T) {
	ins := readDockerfile(t)
	var froms []dockerInstruction
	final := map[string][]dockerInstruction{}
	known := []string{"FROM", "ARG", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD", "ENV", "LABEL"}
	for _, in := range ins {
		if !slices.Contains(known, in.cmd) {
			t.Errorf("Dockerfile:%d: unknown instruction %s", in.line, in.cmd)
		}
		if in.cmd == "FROM" {
			froms = append(froms, in)
			final = map[string][]dockerInstruction{}
			continue
		}
		final[in.cmd] = append(final[in.cmd], in)
		if in.cmd == "RUN" && strings.Contains(in.args, "make build") && !strings.Contains(in.args, "BIN=/out/tagpulse") {
			t.Errorf("Dockerfile:%d: make build without BIN=/out/tagpulse", in.line)
		}
	}
	if len(froms) < 2 || !strings.Contains(froms[0].args, "golang:") || !strings.HasSuffix(froms[0].args, " AS build") {
		t.Fatalf("want a golang build stage named build, then the runtime stage: %+v", froms)
	}
	var built bool
	for _, in := range ins {
		built = built || in.cmd == "RUN" && strings.Contains(in.args, "make build ")
	}
	if !built {
		t.Error("the build stage does not run make build (the static release build)")
	}
	base := froms[len(froms)-1].args
	if !strings.HasPrefix(base, "gcr.io/distroless/static") && base != "scratch" {
		t.Errorf("runtime stage FROM %s: want distroless/static or scratch (a static binary needs no more)", base)
	}
	if u := final["USER"]; len(u) != 1 || strings.HasPrefix(u[0].args, "0") || strings.HasPrefix(u[0].args, "root") {
		t.Errorf("runtime USER %+v: want one non-root user", u)
	}
	if v := final["VOLUME"]; len(v) != 1 || !slices.Equal(execForm(t, v[0], v[0].args), []string{"/var/lib/tagpulse"}) {
		t.Errorf("runtime VOLUME %+v: want /var/lib/tagpulse, the store's directory", v)
	}
	hc := final["HEALTHCHECK"]
	if len(hc) != 1 {
		t.Fatalf("runtime HEALTHCHECK: %+v", hc)
	}
	_, cmd, ok := strings.Cut(hc[0].args, "CMD ")
	if hcArgs := execForm(t, hc[0], cmd); !ok || len(hcArgs) < 2 || hcArgs[0] != "/tagpulse" || hcArgs[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK %q: want CMD [\"/tagpulse\", \"healthcheck\", …]", hc[0].args)
	}
	if e := final["ENTRYPOINT"]; len(e) != 1 || !slices.Equal(execForm(t, e[0], e[0].args), []string{"/tagpulse"}) {
		t.Errorf("ENTRYPOINT %+v: want [\"/tagpulse\"]", e)
	}
	if c := final["CMD"]; len(c) != 1 || !slices.Equal(execForm(t, c[0], c[0].args), []string{"run", "-config", "/etc/tagpulse/tagpulse.yml"}) {
		t.Errorf("CMD %+v: want run -config /etc/tagpulse/tagpulse.yml", c)
	}
	var copied []string
	for _, c := range final["COPY"] {
		copied = append(copied, c.args)
	}
	if !slices.ContainsFunc(copied, func(s string) bool { return strings.HasPrefix(s, "--from=build /out/tagpulse /tagpulse") }) {
		t.Errorf("the runtime stage does not copy /out/tagpulse from the build stage: %q", copied)
	}
	// What the build stage copies from the context must be in it.
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"go.mod", "go.sum", "Makefile", "deploy/container/tagpulse.yml", "LICENSE", "NOTICE"} {
		if _, err := os.Stat(filepath.Join("..", must)); err != nil {
			t.Errorf("the build needs %s: %v", must, err)
		}
		for _, pat := range strings.Fields(string(ignore)) {
			if m, _ := filepath.Match(pat, must); m && !strings.HasPrefix(pat, "#") {
				t.Errorf(".dockerignore pattern %q leaves %s out of the build", pat, must)
			}
		}
	}
	if !regexp.MustCompile(`(?m)^\.git$`).Match(ignore) {
		t.Error(".dockerignore keeps .git in the build context")
	}
}

// TestGoreleaser: the release configuration parses and builds what the
// README promises, with ldflags that set variables which exist.
func TestGoreleaser(t *testing.T) {
	b, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main    string   `yaml:"main"`
			Binary  string   `yaml:"binary"`
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
		} `yaml:"builds"`
		Archives []struct {
			Files []string `yaml:"files"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string `yaml:"algorithm"`
		} `yaml:"checksum"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(false)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if c.Version != 2 || len(c.Builds) != 1 {
		t.Fatalf("want goreleaser version 2 and one build, got %+v", c)
	}
	bd := c.Builds[0]
	if bd.Main != "./cmd/tagpulse" || bd.Binary != "tagpulse" || !slices.Contains(bd.Env, "CGO_ENABLED=0") || !slices.Contains(bd.Flags, "-trimpath") {
		t.Errorf("build %+v: want ./cmd/tagpulse, static (CGO_ENABLED=0), -trimpath", bd)
	}
	slices.Sort(bd.Goos)
	slices.Sort(bd.Goarch)
	if !slices.Equal(bd.Goos, []string{"darwin", "linux", "windows"}) || !slices.Equal(bd.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("targets %v × %v: want darwin, linux, windows × amd64, arm64", bd.Goos, bd.Goarch)
	}
	if c.Checksum.Algorithm != "sha256" || c.Checksum.NameTemplate == "" {
		t.Errorf("checksum %+v: want sha256 checksums", c.Checksum)
	}
	vars := buildinfoVars(t)
	ld := strings.Join(bd.Ldflags, " ")
	if !strings.Contains(ld, "-s -w") {
		t.Errorf("ldflags %q: want -s -w", ld)
	}
	for _, m := range regexp.MustCompile(`-X (\S+)\.(\w+)=`).FindAllStringSubmatch(ld, -1) {
		if m[1] != "github.com/tagpulse/tagpulse/internal/buildinfo" || !vars[m[2]] {
			t.Errorf("ldflags -X %s.%s: no such string variable in internal/buildinfo", m[1], m[2])
		}
	}
	for _, v := range []string{"version", "revision", "time"} {
		if !strings.Contains(ld, "buildinfo."+v+"=") {
			t.Errorf("ldflags do not set buildinfo.%s", v)
		}
	}
	for _, a := range c.Archives {
		for _, f := range a.Files {
			if m, _ := filepath.Glob(filepath.Join("..", f)); len(m) == 0 {
				t.Errorf("archive file %s matches nothing", f)
			}
		}
	}
}

// buildinfoVars are the package-level string variables of internal/buildinfo.
func buildinfoVars(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../internal/buildinfo/buildinfo.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "string" {
					for _, n := range vs.Names {
						vars[n.Name] = true
					}
				}
			}
		}
	}
	return vars
}

// TestSystemdUnit checks the unit with systemd's own tools, offline:
// systemd-analyze verify, and its security exposure score.
func TestSystemdUnit(t *testing.T) {
	analyze := testneed.Program(t, "Debian: apt-get install systemd", "systemd-analyze")
	b, err := os.ReadFile("systemd/tagpulse.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{"DynamicUser=yes", "StateDirectory=tagpulse", "ProtectSystem=strict", "EnvironmentFile=-/etc/tagpulse/tagpulse.env",
		"ExecStart=/usr/local/bin/tagpulse run -config /etc/tagpulse/tagpulse.yml"} {
		if !strings.Contains(unit, "\n"+want+"\n") {
			t.Errorf("tagpulse.service lacks %s", want)
		}
	}
	// verify needs the ExecStart program to exist: point it at one that does.
	dir := t.TempDir()
	path := filepath.Join(dir, "tagpulse.service")
	sh, _ := exec.LookPath("true")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/tagpulse", sh)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(analyze, "security", "--offline=true", "--no-pager", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for tagpulse.service: (\d+\.\d+) (\w+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	if score := string(m[1]); score > "2.0" || len(score) != 3 {
		t.Errorf("exposure level %s %s: want at most 2.0 (OK)", m[1], m[2])
	}
}

// TestLicense: LICENSE is the FSF's AGPL-3.0 text, unchanged.
func TestLicense(t *testing.T) {
	b, err := os.ReadFile("../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(b)
	if got := hex.EncodeToString(sum[:]); got != "4ae09d45eac4aa08d013b5f2e01c67f6" {
		t.Errorf("LICENSE md5 %s: not the verbatim https://www.gnu.org/licenses/agpl-3.0.txt", got)
	}
}

// TestReleaseBinary builds tagpulse as releases and the Dockerfile do
// (make build), checks it is static and stripped and knows its version,
// then runs it as the systemd unit and the container do — their command
// lines, their configuration files with the paths of this machine — and
// asks it what Prometheus, the container's HEALTHCHECK and a load
// balancer would ask.
func TestReleaseBinary(t *testing.T) {
	mk := testneed.Program(t, "Debian: apt-get install make", "make")
	dir := t.TempDir()
	bin := filepath.Join(dir, "tagpulse")
	build := exec.Command(mk, "-C", "..", "build", "BIN="+bin, "VERSION=9.8.7-test")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}

	// Static: no program interpreter, no shared libraries.
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a program interpreter: it is dynamically linked")
		}
	}
	if libs, _ := ef.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	if ef.Section(".symtab") != nil {
		t.Error("the binary keeps its symbol table: not built with -ldflags=-s")
	}
	ef.Close()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	// (-trimpath leaves -ldflags out of the build info; the missing symbol
	// table above shows -s.)
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings %v: want CGO_ENABLED=0, -trimpath", settings)
	}

	// NOTICE credits every module compiled in.
	notice, err := os.ReadFile("../NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range bi.Deps {
		if !strings.Contains(string(notice), d.Path+" ") && !strings.Contains(string(notice), d.Path+",") && !strings.Contains(string(notice), d.Path+"\n") {
			t.Errorf("NOTICE does not list the module %s, compiled into the binary", d.Path)
		}
	}

	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "tagpulse v9.8.7-test (revision ") || !strings.Contains(string(out), bi.GoVersion) {
		t.Errorf("tagpulse version: %v %q", err, out)
	}
	if fi, err := os.Stat("../.git"); err == nil && fi.IsDir() {
		// From a clone, the revision comes from git (-buildvcs). The go
		// command does not stamp a git worktree's checkout (.git a file).
		head, err := exec.Command("git", "-C", "..", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatal(err)
		}
		if rev := strings.TrimSpace(string(head)); settings["vcs.revision"] != rev || !strings.Contains(string(out), rev[:12]) {
			t.Errorf("vcs.revision %q, version %q: want %s", settings["vcs.revision"], out, rev)
		}
	}
	help, _ := exec.Command(bin, "-h").CombinedOutput()
	if !strings.Contains(string(help), strings.TrimSpace(string(out))) {
		t.Errorf("tagpulse -h does not show the version line %q:\n%s", out, help)
	}

	for _, tc := range []struct{ name, unit, config string }{
		{"systemd", "systemd/tagpulse.service", "systemd/tagpulse.yml"},
		{"container", "../Dockerfile", "container/tagpulse.yml"},
	} {
		t.Run(tc.name, func(t *testing.T) { runShipped(t, bin, tc.unit, tc.config) })
	}
}

// runShipped runs bin with the command line of unit (the unit's ExecStart
// or the image's ENTRYPOINT and CMD) and its configuration file, with the
// store and the address moved to this test's.
func runShipped(t *testing.T, bin, unit, config string) {
	u, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	if m := regexp.MustCompile(`(?m)^ExecStart=/usr/local/bin/tagpulse (.*)$`).FindSubmatch(u); m != nil {
		args = strings.Fields(string(m[1]))
	} else if m := regexp.MustCompile(`(?m)^CMD (\[.*\])$`).FindSubmatch(u); m != nil {
		if err := json.Unmarshal(m[1], &args); err != nil {
			t.Fatal(err)
		}
	}
	if len(args) != 3 || args[1] != "-config" {
		t.Fatalf("%s: no tagpulse command line found (%q)", unit, args)
	}
	cfg, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir() // the StateDirectory or the volume
	addr := freeAddr(t)
	c := string(cfg)
	c = strings.Replace(c, "db: /var/lib/tagpulse/tagpulse.db", "db: "+filepath.Join(state, "tagpulse.db"), 1)
	c = regexp.MustCompile(`(?m)^listen: .*$`).ReplaceAllString(c, "listen: "+addr)
	if c == string(cfg) || !strings.Contains(c, state) || !strings.Contains(c, addr) {
		t.Fatalf("%s: db or listen not where the unit expects them", config)
	}
	cfgPath := filepath.Join(t.TempDir(), "tagpulse.yml")
	if err := os.WriteFile(cfgPath, []byte(c), 0o644); err != nil {
		t.Fatal(err)
	}
	args[2] = cfgPath
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	}()

	healthcheck := func(path string) (string, error) {
		out, err := exec.Command(bin, "healthcheck", "-addr", addr, "-path", path, "-timeout", "2s").CombinedOutput()
		return string(out), err
	}
	// Wait until it serves: the healthcheck's own retries, as HEALTHCHECK's.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		if _, err := healthcheck("/healthz"); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("tagpulse exited: %v\n%s", err, stderr.String())
		case <-ctx.Done():
			t.Fatalf("tagpulse did not answer /healthz in 30 s\n%s", stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if out, err := healthcheck("/readyz"); err != nil || !strings.Contains(out, `"status":"ready"`) {
		t.Errorf("healthcheck -path /readyz: %v %s", err, out)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text") ||
		!regexp.MustCompile(`tagpulse_build_info\{goversion="go[^"]+",revision="[^"]+",version="v9\.8\.7-test"\} 1`).Match(body) {
		t.Errorf("/metrics %q: want OpenMetrics with tagpulse_build_info of v9.8.7-test\n%s", resp.Header.Get("Content-Type"), grep(string(body), "build_info"))
	}
	// Stopping: SIGTERM (systemd's KillSignal, docker stop) ends it cleanly.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("tagpulse did not stop within 20 s of SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(state, "tagpulse.db")); err != nil {
		t.Errorf("no store in the state directory: %v", err)
	}
	if out, err := healthcheck("/healthz"); err == nil {
		t.Errorf("healthcheck of a stopped tagpulse succeeded: %s", out)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return fmt.Sprint(out)
}
