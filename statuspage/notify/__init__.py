"""`statuspage notify`: tell each channel of every incident update and window notice once."""
