window.YTD.account.part0 = [
  {
    "account": {
      "email": "wethouder@example.org",
      "createdVia": "web",
      "username": "wethouder_tulpenveld",
      "accountId": "9100000001",
      "createdAt": "2015-06-01T09:00:00.000Z",
      "accountDisplayName": "Annelies Tulpenveld"
    }
  }
]
