window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "someone@example.org",
      "createdVia" : "web",
      "username" : "gaza_daily",
      "accountId" : "1200000000000000001",
      "createdAt" : "2019-11-25T08:00:00.000Z",
      "accountDisplayName" : "Gaza Daily"
    }
  }
]
