package dashboard

import (
	"strings"
	"testing"
)

// TestCardTextFits: wrapped and cut text fits the width it was measured
// for, keeps its words in order, and says where it was cut.
func TestCardTextFits(t *testing.T) {
	title := "#AllForPalestine — International Day of Solidarity with the Palestinian People, twenty-ninth of November"
	lines := wrapText(title, 40, true, cardText)
	if len(lines) != 3 || strings.Join(lines, " ") != title {
		t.Errorf("wrapped into %q", lines)
	}
	for _, l := range lines {
		if w := textWidth(l, 40, true); w > cardText {
			t.Errorf("line %q is %.0f px wide", l, w)
		}
	}
	for _, s := range []string{title, "كلنا لفلسطين — اليوم الدولي للتضامن مع الشعب الفلسطيني في كل مكان من غزة إلى العالم كله", strings.Repeat("x", 300)} {
		cut := ellipsize(s, 40, true, 500)
		if w := textWidth(cut, 40, true); w > 500 || !strings.HasSuffix(cut, "…") || !strings.HasPrefix(s, strings.TrimSuffix(cut, "…")) {
			t.Errorf("ellipsize(%q) = %q, %.0f px", s, cut, w)
		}
	}
	if got := ellipsize("Short", 40, true, 500); got != "Short" {
		t.Errorf("short text cut: %q", got)
	}
	// Wider text measures wider; bidi controls take no room.
	if textWidth("12.000.015.022", 56, true) <= textWidth("2.927", 56, true) || textWidth("\u2068#a\u2069", 30, false) != textWidth("#a", 30, false) {
		t.Error("textWidth does not follow the text")
	}
}
