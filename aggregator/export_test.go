package aggregator

// NoSpill has a's catch-ups in passes keep their index in memory and read
// each pass's posts from the log, as they do where no spill can be made.
func NoSpill(a *Aggregator) { a.noSpill = true }
