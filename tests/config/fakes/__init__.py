"""Small HTTP servers that follow the documented REST APIs of services not installable here."""
