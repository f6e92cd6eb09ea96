// Package mastodon collects posts from Mastodon: Poller polls one
// instance's hashtag timelines forward with min_id, and Format reads
// archives of Status entities (tag and account timelines as rtoot,
// Mastodon.py and mastodon4j write them). ParseStatus maps one Status to a
// post.
package mastodon
