package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/internal/testneed"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestDashboardDemoInBrowser opens `tagpulse demo` in headless Chromium as a
// new user would, on a desktop and on a phone-sized screen, and watches it
// move. Chromium: $CHROME or /usr/bin/chromium; missing, the test fails in
// CI (CI=true) and is skipped elsewhere.
func TestDashboardDemoInBrowser(t *testing.T) {
	exe := testneed.Chromium(t)
	base := startDemoServer(t, "-speed", "900")

	profile, err := os.MkdirTemp("", "tagpulse-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true))
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA(); os.RemoveAll(profile) })
	var mu sync.Mutex
	var problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				problems = append(problems, "console.error")
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError {
				problems = append(problems, ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	loaded := chromedp.Poll(`document.querySelector("#campaign") && document.querySelector("#campaign").dataset.updated && document.querySelectorAll("#map path").length > 0`, nil, chromedp.WithPollingTimeout(30*time.Second))
	var bars int
	var first, firstDay string
	if err := chromedp.Run(ctx, log.Enable(), runtime.Enable(), chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(base+"/?lang=en"), loaded,
		chromedp.Evaluate(`document.querySelectorAll("#chart-days rect.bar").length`, &bars),
		chromedp.AttributeValue(`[data-fig="posts"]`, "data-value", &first, nil),
		chromedp.Text(`#head-title`, &firstDay),
	); err != nil {
		t.Fatalf("open the demo: %v", err)
	}
	_, body := getBody(t, base+"/api/v1/campaigns/allforpalestine/days")
	var days []json.RawMessage
	if err := json.Unmarshal([]byte(body), &days); err != nil {
		t.Fatal(err)
	}
	if bars != len(days) || bars != demoDays {
		t.Errorf("days chart: %d bars, API %d days, demo %d", bars, len(days), demoDays)
	}
	// It moves: the demo keeps posting, the headline follows without reload.
	// At -speed 900 a campaign day passes in 96 s: when today changes in
	// between, the headline follows it to the new day, whose count starts
	// again.
	var now, nowDay string
	if err := chromedp.Run(ctx,
		chromedp.Poll(`document.querySelector('[data-fig="posts"]').dataset.value !== "`+first+`"`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.AttributeValue(`[data-fig="posts"]`, "data-value", &now, nil),
		chromedp.Text(`#head-title`, &nowDay),
	); err != nil {
		t.Fatalf("the headline did not move: %v", err)
	}
	a, _ := strconv.Atoi(first)
	b, _ := strconv.Atoi(now)
	if b <= a && nowDay == firstDay {
		t.Errorf("posts of %q went from %d to %d", firstDay, a, b)
	}
	dir := os.Getenv("TAGPULSE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	os.MkdirAll(dir, 0o755)
	for _, v := range []struct {
		name, lang string
		w, h       int64
	}{{"demo-en-desktop.png", "en", 1280, 900}, {"demo-ar-360.png", "ar", 360, 780}} {
		var png []byte
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(v.w, v.h), chromedp.Navigate(base+"/c/allforpalestine?lang="+v.lang), loaded,
			chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		p := filepath.Join(dir, v.name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("browser errors:\n%s", strings.Join(problems, "\n"))
	}
}
