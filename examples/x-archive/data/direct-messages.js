window.YTD.direct_messages.part0 = [
  {
    "dmConversation": {
      "conversationId": "9100000001-9200000011",
      "messages": [
        {
          "messageCreate": {
            "recipientId": "9100000001",
            "reactions": [],
            "urls": [],
            "text": "Goedemiddag, ik wil graag een afspraak over de bouwvergunning van mijn schuur.",
            "mediaUrls": [],
            "senderId": "9200000011",
            "id": "9300000000000000001",
            "createdAt": "2024-03-12T18:02:11.000Z"
          }
        },
        {
          "messageCreate": {
            "recipientId": "9200000011",
            "reactions": [],
            "urls": [],
            "text": "Goedemiddag, stuurt u mij even uw telefoonnummer? Dan bel ik u.",
            "mediaUrls": [],
            "senderId": "9100000001",
            "id": "9300000000000000002",
            "createdAt": "2024-03-12T18:39:24.000Z"
          }
        },
        {
          "messageCreate": {
            "recipientId": "9100000001",
            "reactions": [],
            "urls": [],
            "text": "Mijn nummer staat in de mail die ik net stuurde, alvast bedankt!",
            "mediaUrls": [],
            "senderId": "9200000011",
            "id": "9300000000000000003",
            "createdAt": "2024-03-12T19:16:37.000Z"
          }
        }
      ]
    }
  },
  {
    "dmConversation": {
      "conversationId": "9100000001-9200000022",
      "messages": [
        {
          "messageCreate": {
            "recipientId": "9100000001",
            "reactions": [],
            "urls": [],
            "text": "Ik weet waar je dochter op school zit. Denk daar maar eens over na.",
            "mediaUrls": [],
            "senderId": "9200000022",
            "id": "9300000000000000004",
            "createdAt": "2024-03-12T19:53:50.000Z"
          }
        },
        {
          "messageCreate": {
            "recipientId": "9100000001",
            "reactions": [],
            "urls": [],
            "text": "Als je morgen voor stemt ben je er geweest 🔫",
            "mediaUrls": [],
            "senderId": "9200000022",
            "id": "9300000000000000005",
            "createdAt": "2024-03-12T20:31:03.000Z"
          }
        },
        {
          "messageCreate": {
            "recipientId": "9100000001",
            "reactions": [],
            "urls": [],
            "text": "We zien alles wat je doet.",
            "mediaUrls": [],
            "senderId": "9200000022",
            "id": "9300000000000000006",
            "createdAt": "2024-03-12T21:08:16.000Z"
          }
        },
        {
          "reactionCreate": {
            "senderId": "9100000001",
            "reactionKey": "sad",
            "eventId": "9400000000000000001",
            "createdAt": "2024-03-12T21:45:29.000Z"
          }
        }
      ]
    }
  },
  {
    "dmConversation": {
      "conversationId": "9100000001-9200000033",
      "messages": [
        {
          "messageCreate": {
            "recipientId": "9100000001",
            "reactions": [],
            "urls": [],
            "text": "Hoi! Leuk u gisteren op de markt te zien, succes met de begroting 😊",
            "mediaUrls": [],
            "senderId": "9200000033",
            "id": "9300000000000000007",
            "createdAt": "2024-03-12T21:45:29.000Z"
          }
        },
        {
          "messageCreate": {
            "recipientId": "9100000001",
            "reactions": [],
            "urls": [],
            "text": "Die h0er van een wethouder moet oprotten naar haar eigen land",
            "mediaUrls": [],
            "senderId": "9200000033",
            "id": "9300000000000000008",
            "createdAt": "2024-03-12T22:22:42.000Z"
          }
        }
      ]
    }
  }
]
