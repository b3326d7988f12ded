"""The operators' console, served by the agent desk behind OPS_TOKEN: the report's figures
live, and the review queue that turns misunderstood messages into training data."""
