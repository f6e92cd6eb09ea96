package geo

// Version names the gazetteer, borders and matching rules this package
// attributes countries with. Figures are derived with one Version: when it
// changes, tagpulse rebuilds stored figures so that old and new posts are
// attributed alike (and check agrees with them).
//
// Bump it with any change to the embedded data or to how it is matched;
// TestVersionCoversData fails until you do (then run it with -update).
const Version = "2026-12-03.3"
