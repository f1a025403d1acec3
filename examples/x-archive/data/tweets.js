window.YTD.tweets.part0 = [
  {
    "tweet": {
      "id_str": "9000000000000000101",
      "id": "9000000000000000101",
      "full_text": "Vanavond inspraakavond over het nieuwe centrumplan, 19:30 in het gemeentehuis. Iedereen welkom!",
      "created_at": "Tue Mar 12 18:02:11 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "0"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000102",
      "id": "9000000000000000102",
      "full_text": "@moeder_van_drie De speeltuin aan de Meidoornlaan staat in april op de planning. Dank voor uw geduld.",
      "created_at": "Tue Mar 12 18:39:24 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "3",
      "in_reply_to_screen_name": "moeder_van_drie",
      "in_reply_to_status_id_str": "9000000000000000002"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000103",
      "id": "9000000000000000103",
      "full_text": "Vandaag weer een bericht \"ik weet waar je woont\" gekregen. Aangifte gedaan. Dit hoort nergens bij.",
      "created_at": "Tue Mar 12 19:16:37 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "6"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000104",
      "id": "9000000000000000104",
      "full_text": "@fietsfan_dkv Dank! Het fietspad langs het kanaal is in de zomer klaar 🚲",
      "created_at": "Tue Mar 12 19:53:50 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "9",
      "in_reply_to_screen_name": "fietsfan_dkv",
      "in_reply_to_status_id_str": "9000000000000000004"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000105",
      "id": "9000000000000000105",
      "full_text": "Trots op de vrijwilligers van de voedselbank &amp; de kledingbank. Jullie zijn top ❤️",
      "created_at": "Tue Mar 12 20:31:03 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "12"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000106",
      "id": "9000000000000000106",
      "full_text": "@kritische_kees_1961 Kritiek is welkom, maar graag op de inhoud. Wat vindt u van de &lt;nieuwe&gt; verkeersplannen?",
      "created_at": "Tue Mar 12 21:08:16 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "15",
      "in_reply_to_screen_name": "kritische_kees_1961",
      "in_reply_to_status_id_str": "9000000000000000006"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000107",
      "id": "9000000000000000107",
      "full_text": "Mooie opening van de bibliotheek vandaag 📚",
      "created_at": "Tue Mar 12 21:45:29 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "18"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000108",
      "id": "9000000000000000108",
      "full_text": "Heel fijn gesprek met de ondernemers in de Dorpsstraat over de kermis 🎡",
      "created_at": "Tue Mar 12 22:22:42 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "21"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000109",
      "id": "9000000000000000109",
      "full_text": "@boos_maar_eerlijk Dank voor uw bericht, ik bel u morgen even.",
      "created_at": "Tue Mar 12 22:59:55 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "24",
      "in_reply_to_screen_name": "boos_maar_eerlijk",
      "in_reply_to_status_id_str": "9000000000000000009"
    }
  },
  {
    "tweet": {
      "id_str": "9000000000000000110",
      "id": "9000000000000000110",
      "full_text": "",
      "created_at": "Tue Mar 12 23:37:08 +0000 2024",
      "lang": "nl",
      "retweeted": false,
      "favorite_count": "27"
    }
  }
]
