-- How far above the amount first authorized a store's orders may be raised (PATCH
-- authorization, or "Change order amount" in the portal). Kassa simulates the payment
-- method's approval of a higher amount: approved up to this many percent above
-- original_order_amount, declined beyond it. 0 declines every increase.
ALTER TABLE stores ADD COLUMN max_authorization_increase_percent INTEGER NOT NULL DEFAULT 20;
