"""The retrain-and-compare job."""
