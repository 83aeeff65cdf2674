"""Delivery channels: e-mail, SMS, push and the in-app inbox."""
