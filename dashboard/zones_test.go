package dashboard

// Every test of the package loads zones from the embedded database, as the
// binary does (cmd/tagpulse imports it), so none depends on the host's
// zoneinfo or skips without it.
import _ "time/tzdata"
