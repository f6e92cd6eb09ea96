window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [ "1597500000000000001" ],
          "editableUntil" : "2022-11-29T08:30:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [ { "text" : "AllForPalestine", "indices" : [ "10", "26" ] } ],
        "symbols" : [ ],
        "user_mentions" : [ ],
        "urls" : [ ]
      },
      "display_text_range" : [ "0", "26" ],
      "favorite_count" : "12",
      "id_str" : "1597500000000000001",
      "truncated" : false,
      "retweet_count" : "3",
      "id" : "1597500000000000001",
      "created_at" : "Tue Nov 29 08:00:00 +0000 2022",
      "favorited" : false,
      "full_text" : "Today is #AllForPalestine",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : {
        "hashtags" : [ { "text" : "AllForPalestine", "indices" : [ "22", "38" ] } ],
        "user_mentions" : [ { "name" : "Someone", "screen_name" : "someone", "indices" : [ "3", "11" ], "id_str" : "99", "id" : "99" } ],
        "urls" : [ ]
      },
      "favorite_count" : "0",
      "id_str" : "1597500000000000002",
      "retweet_count" : "0",
      "id" : "1597500000000000002",
      "created_at" : "Tue Nov 29 09:00:00 +0000 2022",
      "full_text" : "RT @someone: Join us #AllForPalestine",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "entities" : { "hashtags" : [ ], "urls" : [ ] },
      "favorite_count" : "1",
      "in_reply_to_status_id_str" : "1597500000000000001",
      "id_str" : "1597500000000000003",
      "in_reply_to_user_id" : "1200000000000000001",
      "retweet_count" : "0",
      "id" : "1597500000000000003",
      "created_at" : "Tue Nov 29 09:30:00 +0000 2022",
      "full_text" : "a reply without the hashtag",
      "lang" : "en"
    }
  }
]
