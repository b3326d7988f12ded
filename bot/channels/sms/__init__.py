"""The SMS-gateway bridge: customers texting the service number (see README "SMS")."""
