"""The SMS-gateway bridge: customers texting the service number (docs/sms.md)."""
