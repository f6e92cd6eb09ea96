package main

import (
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/instagram"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/collector/threads"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/collector/youtube"
	"github.com/tagpulse/tagpulse/config"
)

// The sources: section, mapped onto the collectors' configurations. The
// config package has checked it (each problem at its line); the
// collectors fill in their defaults.

func xConfig(c config.X) x.Config {
	return x.Config{
		BearerToken: string(c.BearerToken), BaseURL: c.BaseURL, Every: c.Every, CountsEvery: c.CountsEvery,
		MaxResults: c.MaxResults, Timeout: c.Timeout, MaxQueryLength: c.MaxQueryLength,
	}
}

func twitterConfig(c config.Twitter) x.TwitterV1Config {
	return x.TwitterV1Config{
		ConsumerKey: string(c.ConsumerKey), ConsumerSecret: string(c.ConsumerSecret),
		AccessToken: string(c.AccessToken), AccessSecret: string(c.AccessSecret), BearerToken: string(c.BearerToken),
		BaseURL: c.BaseURL, Every: c.Every, Count: c.Count, Timeout: c.Timeout,
	}
}

func mastodonConfig(c config.Mastodon) mastodon.Config {
	var tokens map[string]string
	if c.Tokens != nil {
		tokens = make(map[string]string, len(c.Tokens))
		for h, t := range c.Tokens {
			tokens[h] = string(t)
		}
	}
	return mastodon.Config{
		Instances: c.Instances, Every: c.Every, Tokens: tokens, Token: string(c.Token),
		MaxPages: c.MaxPages, Timeout: c.Timeout, BackfillPages: c.BackfillPages,
	}
}

func blueskyConfig(c config.Bluesky) bluesky.Config {
	return bluesky.Config{Jetstream: c.Jetstream, Rewind: c.Rewind}
}

func appViewConfig(c config.Bluesky) bluesky.AppViewConfig {
	return bluesky.AppViewConfig{BaseURL: c.AppView, EngagementEvery: c.EngagementEvery, EngagementCalls: c.EngagementCalls}
}

// backfillConfig is the searchPosts backfill, when an account is configured.
func backfillConfig(c config.Bluesky) (bluesky.BackfillConfig, bool) {
	return bluesky.BackfillConfig{PDS: c.PDS, Handle: c.Handle, AppPassword: string(c.AppPassword), Hours: c.Backfill}, c.Handle != ""
}

func instagramConfig(c config.Instagram) instagram.Config {
	return instagram.Config{
		UserID: c.UserID, AccessToken: string(c.AccessToken), BaseURL: c.BaseURL, Every: c.Every,
		MaxPages: c.MaxPages, HashtagLimit: c.HashtagLimit, Timeout: c.Timeout,
	}
}

func threadsConfig(c config.Threads) threads.Config {
	return threads.Config{
		AccessToken: string(c.AccessToken), BaseURL: c.BaseURL, Every: c.Every, SearchMode: c.SearchMode,
		DailyQueries: c.DailyQueries, MaxPages: c.MaxPages, Backfill: c.Backfill, Timeout: c.Timeout,
	}
}

func youtubeConfig(c config.YouTube) youtube.Config {
	return youtube.Config{
		APIKey: string(c.APIKey), BaseURL: c.BaseURL, Every: c.Every, DailyUnits: c.DailyUnits,
		SearchCost: c.SearchCost, MaxPages: c.MaxPages, Backfill: c.Backfill, Timeout: c.Timeout,
	}
}
