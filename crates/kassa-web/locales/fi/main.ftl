# Layout
skip-to-content = Siirry sisältöön
nav-label = Päävalikko
header-store = Kauppa
header-switch-store = Vaihda
header-language = Kieli
store-playground = Testiympäristö
store-live = Tuotanto
theme-label = Ulkoasu
theme-light = Vaalea
theme-dark = Tumma
theme-system = Laitteen mukaan
sign-out = Kirjaudu ulos
action-save = Tallenna

# Menu sections
nav-home = Etusivu
nav-orders = Tilaukset
nav-settlements = Tilitykset
nav-disputes = Riitautukset
nav-users = Käyttäjähallinta
nav-integrations = Integraatiot
nav-developer-logs = Kehittäjälokit

# Roles
role-super-admin = Pääylläpitäjä
role-admin = Ylläpitäjä
role-user = Käyttäjä
role-settlement = Tilitykset
role-disputes = Riitautukset
role-read-only = Vain luku
role-terminated = Päättynyt
role-external = Ulkoinen

# Sign-in
sign-in-title = Kirjaudu sisään
sign-in-intro = Kirjaudu sisään hallitaksesi tilauksiasi, tilityksiäsi ja kauppaasi.
sign-in-submit = Kirjaudu sisään
sign-in-signed-out = Olet kirjautunut ulos.
sign-in-session-ended = Istuntosi on päättynyt. Kirjaudu sisään uudelleen.
sign-in-error-credentials = Sähköpostiosoite tai salasana on väärin. Tarkista ne ja yritä uudelleen.
sign-in-error-locked = Liian monta epäonnistunutta yritystä. Tili on lukittu 30 minuutiksi; yritä myöhemmin uudelleen tai nollaa salasanasi.
sign-in-error-expired = Käyttöoikeutesi tähän portaaliin on päättynyt. Pyydä yrityksesi ylläpitäjää jatkamaan sitä.
sign-in-error-inactive = Tämä tili ei ole aktiivinen. Pyydä yrityksesi ylläpitäjää aktivoimaan se uudelleen.
sign-in-error-no-store = Tililläsi ei ole käyttöoikeutta yhteenkään kauppaan. Pyydä yrityksesi ylläpitäjää antamaan sinulle käyttöoikeus.
field-email = Sähköposti
field-password = Salasana
field-name = Nimi
field-phone = Puhelin
field-timezone = Aikavyöhyke
field-current-password = Nykyinen salasana
field-new-password = Uusi salasana
field-confirm-password = Toista uusi salasana

# Home
home-title = Etusivu
home-greeting = Tervetuloa, { $name }! Olet yrityksen { $merchant } kaupassa { $store }.
home-store-heading = Kauppasi
home-merchant = Yritys
home-store = Kauppa
home-store-id = Kaupan tunnus
home-environment = Ympäristö
home-role = Roolisi

# Account settings
account-title = Tilin asetukset
account-profile-heading = Henkilötiedot
account-preferences-heading = Valinnat
account-password-heading = Salasana
account-password-hint = Vähintään 12 merkkiä. Muutama toisiinsa liittymätön sana tekee salasanasta vahvan.
account-password-submit = Vaihda salasana
account-company-heading = Yritys
account-last-sign-in = Edellinen kirjautuminen:
account-saved-profile = Henkilötietosi on tallennettu.
account-saved-password = Salasanasi on vaihdettu. Muut istunnot on kirjattu ulos.
account-error-name = Anna nimi, jossa on enintään 100 merkkiä.
account-error-phone = Anna puhelinnumero, jossa on vain numeroita, välilyöntejä, merkkejä + ja - sekä sulkeita (enintään 40 merkkiä).
account-error-timezone = Valitse aikavyöhyke luettelosta.
account-error-current-password = Nykyinen salasana on väärin.
account-error-password-policy = Uudessa salasanassa on oltava vähintään 12 merkkiä.
account-error-password-mismatch = Uudet salasanat eivät täsmää.
company-legal-name = Virallinen nimi
company-org-number = Y-tunnus
company-vat-id = ALV-tunnus
company-address = Osoite

# Errors
error-not-found-title = Sivua ei löytynyt
error-not-found-text = Sivua ei ole olemassa tai sinulla ei ole siihen käyttöoikeutta.
error-forbidden-title = Ei sallittu
error-forbidden-text = Roolisi ei salli tätä tai lomake oli vanhentunut. Päivitä sivu ja yritä uudelleen.
error-bad-request-title = Pyynnössä oli virhe
error-bad-request-text = Pyyntöä ei voitu käsitellä. Palaa takaisin ja yritä uudelleen.
error-internal-title = Jokin meni vikaan
error-internal-text = Emme voineet suorittaa pyyntöä loppuun. Yritä hetken kuluttua uudelleen; jos ongelma toistuu, ota yhteyttä tukeen ja kerro alla oleva viitetunnus.
error-reference = Viitetunnus:
error-back-home = Siirry etusivulle

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
