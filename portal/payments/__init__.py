"""Payments: products and price lists by category, credits, Stripe Checkout, receipts."""
