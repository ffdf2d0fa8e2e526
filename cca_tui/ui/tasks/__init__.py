"""Every mutation the operator starts: sent, followed to its end, remembered across restarts."""
