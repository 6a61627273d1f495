# Layout
skip-to-content = Gå til indhold
nav-label = Hovedmenu
header-store = Butik
header-switch-store = Skift
header-language = Sprog
store-playground = Testmiljø
store-live = Live
theme-label = Udseende
theme-light = Lyst
theme-dark = Mørkt
theme-system = Samme som enheden
sign-out = Log ud
action-save = Gem

# Menu sections
nav-home = Forside
nav-orders = Ordrer
nav-settlements = Afregninger
nav-disputes = Tvister
nav-users = Brugeradministration
nav-integrations = Integrationer
nav-developer-logs = Udviklerlogs

# Roles
role-super-admin = Superadmin
role-admin = Admin
role-user = Bruger
role-settlement = Afregninger
role-disputes = Tvister
role-read-only = Kun læseadgang
role-terminated = Ophørt
role-external = Ekstern

# Sign-in
sign-in-title = Log ind
sign-in-intro = Log ind for at administrere dine ordrer, afregninger og din butik.
sign-in-submit = Log ind
sign-in-signed-out = Du er logget ud.
sign-in-session-ended = Din session er udløbet. Log ind igen.
sign-in-error-credentials = E-mailadressen eller adgangskoden er forkert. Tjek dem, og prøv igen.
sign-in-error-locked = For mange mislykkede forsøg. Kontoen er låst i 30 minutter; prøv igen senere, eller nulstil din adgangskode.
sign-in-error-expired = Din adgang til portalen er udløbet. Bed en administrator i din virksomhed om at forlænge den.
sign-in-error-inactive = Denne konto er ikke aktiv. Bed en administrator i din virksomhed om at genaktivere den.
sign-in-error-no-store = Din konto har ikke adgang til nogen butik. Bed en administrator i din virksomhed om adgang.
field-email = E-mail
field-password = Adgangskode
field-name = Navn
field-phone = Telefon
field-timezone = Tidszone
field-current-password = Nuværende adgangskode
field-new-password = Ny adgangskode
field-confirm-password = Gentag ny adgangskode

# Home
home-title = Forside
home-greeting = Velkommen, { $name }! Du er i { $store } hos { $merchant }.
home-store-heading = Din butik
home-merchant = Virksomhed
home-store = Butik
home-store-id = Butiks-ID
home-environment = Miljø
home-role = Din rolle

# Account settings
account-title = Kontoindstillinger
account-profile-heading = Personlige oplysninger
account-preferences-heading = Præferencer
account-password-heading = Adgangskode
account-password-hint = Mindst 12 tegn. Et par ord, der ikke har noget med hinanden at gøre, giver en stærk adgangskode.
account-password-submit = Skift adgangskode
account-company-heading = Virksomhed
account-last-sign-in = Senest logget ind:
account-saved-profile = Dine personlige oplysninger er gemt.
account-saved-password = Din adgangskode er ændret. Andre sessioner er blevet logget ud.
account-error-name = Angiv et navn på højst 100 tegn.
account-error-phone = Angiv et telefonnummer, der kun indeholder cifre, mellemrum, +, - og parenteser (højst 40 tegn).
account-error-timezone = Vælg en tidszone på listen.
account-error-current-password = Den nuværende adgangskode er forkert.
account-error-password-policy = Den nye adgangskode skal være på mindst 12 tegn.
account-error-password-mismatch = De to nye adgangskoder er ikke ens.
company-legal-name = Juridisk navn
company-org-number = CVR-nummer
company-vat-id = Momsnummer
company-address = Adresse

# Errors
error-not-found-title = Siden blev ikke fundet
error-not-found-text = Siden findes ikke, eller du har ikke adgang til den.
error-forbidden-title = Ikke tilladt
error-forbidden-text = Din rolle tillader ikke dette, eller formularen var udløbet. Genindlæs siden, og prøv igen.
error-bad-request-title = Der var noget galt med anmodningen
error-bad-request-text = Anmodningen kunne ikke forstås. Gå tilbage, og prøv igen.
error-internal-title = Noget gik galt
error-internal-text = Vi kunne ikke gennemføre anmodningen. Prøv igen om lidt; hvis problemet fortsætter, så kontakt support og oplys referencen nedenfor.
error-reference = Reference:
error-back-home = Gå til forsiden

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
