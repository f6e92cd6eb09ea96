package store

import "math"

// MaxFollowers is the largest follower count tagpulse believes: 10¹², more
// than there are people, so no real account reaches it. A platform (or an
// archive) giving more is clamped to it; one giving a negative count is read
// as 0 (unknown). With every author at most MaxFollowers, reach saturates
// only past nine million such authors.
const MaxFollowers int64 = 1_000_000_000_000

// ClampFollowers returns n within [0, MaxFollowers]: what parsers store as a
// post's Author.Followers, and what the aggregator reads from posts stored
// before the clamp existed.
func ClampFollowers(n int64) int64 {
	return min(max(n, 0), MaxFollowers)
}

// AddReach returns r+d, saturating at math.MaxInt64 and math.MinInt64
// instead of wrapping: reach (a sum of follower counts) never turns
// negative by overflow.
func AddReach(r, d int64) int64 {
	s := r + d
	switch {
	case d > 0 && s < r:
		return math.MaxInt64
	case d < 0 && s > r:
		return math.MinInt64
	}
	return s
}
