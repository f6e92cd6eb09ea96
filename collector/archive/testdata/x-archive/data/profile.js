window.YTD.profile.part0 = [
  {
    "profile" : {
      "description" : {
        "bio" : "News from Gaza, every day.",
        "website" : "https://t.co/abc",
        "location" : "Gaza, Palestine"
      },
      "avatarMediaUrl" : "https://pbs.twimg.com/profile_images/1/a.jpg"
    }
  }
]
