# Layout
skip-to-content = Skip to content
nav-label = Main menu
header-store = Store
header-switch-store = Switch
header-language = Language
store-playground = Playground
store-live = Live
theme-label = Appearance
theme-light = Light
theme-dark = Dark
theme-system = Same as device
sign-out = Sign out
action-save = Save

# Menu sections
nav-home = Home
nav-orders = Orders
nav-settlements = Settlements
nav-disputes = Disputes
nav-users = User management
nav-integrations = Integrations
nav-developer-logs = Developer logs

# Roles
role-super-admin = Super Admin
role-admin = Admin
role-user = User
role-settlement = Settlement
role-disputes = Disputes
role-read-only = Read Only
role-terminated = Terminated
role-external = External

# Sign-in
sign-in-title = Sign in
sign-in-intro = Sign in to manage your orders, settlements and store.
sign-in-submit = Sign in
sign-in-signed-out = You have signed out.
sign-in-session-ended = Your session has ended. Please sign in again.
sign-in-error-credentials = The email or password is not right. Check them and try again.
sign-in-error-locked = Too many failed attempts. The account is locked for 30 minutes; try again later or reset your password.
sign-in-error-expired = Your access to this portal has expired. Ask an administrator of your company to extend it.
sign-in-error-inactive = This account is not active. Ask an administrator of your company to reactivate it.
sign-in-error-no-store = Your account has no access to any store. Ask an administrator of your company to give you access.
field-email = Email
field-password = Password
field-name = Name
field-phone = Phone
field-timezone = Time zone
field-current-password = Current password
field-new-password = New password
field-confirm-password = Repeat new password

# Home
home-title = Home
home-greeting = Welcome, { $name }! You are in { $store } of { $merchant }.
home-store-heading = Your store
home-merchant = Company
home-store = Store
home-store-id = Store ID
home-environment = Environment
home-role = Your role

# Account settings
account-title = Account settings
account-profile-heading = Personal information
account-preferences-heading = Preferences
account-password-heading = Password
account-password-hint = At least 12 characters. A few unrelated words make a strong password.
account-password-submit = Change password
account-company-heading = Company
account-last-sign-in = Last signed in:
account-saved-profile = Your personal information has been saved.
account-saved-password = Your password has been changed. Other sessions have been signed out.
account-error-name = Enter a name of at most 100 characters.
account-error-phone = Enter a phone number with digits, spaces, +, - and parentheses only (at most 40 characters).
account-error-timezone = Choose a time zone from the list.
account-error-current-password = The current password is not right.
account-error-password-policy = The new password needs at least 12 characters.
account-error-password-mismatch = The two new passwords are not the same.
company-legal-name = Legal name
company-org-number = Organisation number
company-vat-id = VAT number
company-address = Address

# Errors
error-not-found-title = Page not found
error-not-found-text = The page does not exist, or you do not have access to it.
error-forbidden-title = Not allowed
error-forbidden-text = Your role does not allow this, or the form had expired. Reload the page and try again.
error-bad-request-title = Something in the request was wrong
error-bad-request-text = The request could not be understood. Go back and try again.
error-internal-title = Something went wrong
error-internal-text = We could not complete the request. Try again in a moment; if it keeps happening, contact support with the reference below.
error-reference = Reference:
error-back-home = Go to Home

# Hosted checkout
checkout-title = Checkout
checkout-test-mode = Test mode: no real payment is made
checkout-summary = Your order
checkout-item = Item
checkout-quantity = Quantity
checkout-amount = Amount
checkout-total = Total
checkout-of-which-tax = of which tax
checkout-complete-title = Thank you for your order!
checkout-complete-text = Your purchase is confirmed. The store will send you a confirmation.
checkout-expired-title = This checkout has expired
checkout-expired-text = Go back to the store and start the checkout again.
checkout-aborted-title = This checkout was cancelled by the store
checkout-details = Your details and payment
checkout-given-name = First name
checkout-family-name = Last name
checkout-street = Street address
checkout-postal-code = Postal code
checkout-city = City
checkout-payment-method = Payment method
checkout-method-invoice = Pay later by invoice
checkout-method-card = Card
checkout-method-parts = Pay in 3 parts
checkout-card-details = Card details (only for card payments)
checkout-card-hint = Test cards: 4111 1111 1111 1111 is approved, 4000 0000 0000 0002 is declined. Any future expiry date and any 3 digits.
checkout-card-number = Card number
checkout-card-expiry = Expiry date (MM/YY)
checkout-card-cvc = Security code (CVC)
checkout-confirm = Confirm and pay
checkout-error-required = Enter your email address and your first and last name.
checkout-error-method = Choose a payment method.
checkout-error-card-declined = The card was declined. Try another card or another payment method.
checkout-error-card-number = The card number is not valid. Check it and try again.
checkout-error-card-expiry = The expiry date is not valid or has passed. Write it as MM/YY.
checkout-error-card-cvc = Enter the 3 or 4 digit security code from the back of the card.
