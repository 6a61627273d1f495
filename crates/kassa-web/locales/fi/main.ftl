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
checkout-title = Kassa
checkout-test-mode = Testitila: oikeaa maksua ei tehdä
checkout-summary = Tilauksesi
checkout-item = Tuote
checkout-quantity = Määrä
checkout-amount = Summa
checkout-total = Yhteensä
checkout-of-which-tax = josta ALV
checkout-complete-title = Kiitos tilauksestasi!
checkout-complete-text = Ostoksesi on vahvistettu. Kauppa lähettää sinulle vahvistuksen.
checkout-expired-title = Tämä kassaistunto on vanhentunut
checkout-expired-text = Palaa kauppaan ja aloita ostos uudelleen.
checkout-aborted-title = Kauppa on peruuttanut tämän ostoksen
checkout-details = Tietosi ja maksu
checkout-given-name = Etunimi
checkout-family-name = Sukunimi
checkout-street = Katuosoite
checkout-postal-code = Postinumero
checkout-city = Postitoimipaikka
checkout-payment-method = Maksutapa
checkout-method-invoice = Maksa myöhemmin laskulla
checkout-method-card = Kortti
checkout-method-parts = Maksa 3 erässä
checkout-card-details = Korttitiedot (vain korttimaksuille)
checkout-card-hint = Testikortit: 4111 1111 1111 1111 hyväksytään, 4000 0000 0000 0002 hylätään. Voimassaoloajaksi käy mikä tahansa tuleva päivämäärä ja turvakoodiksi mitkä tahansa 3 numeroa.
checkout-card-number = Kortin numero
checkout-card-expiry = Voimassaoloaika (KK/VV)
checkout-card-cvc = Turvakoodi (CVC)
checkout-confirm = Vahvista ja maksa
checkout-error-required = Anna sähköpostiosoitteesi sekä etu- ja sukunimesi.
checkout-error-method = Valitse maksutapa.
checkout-error-card-declined = Kortti hylättiin. Kokeile toista korttia tai toista maksutapaa.
checkout-error-card-number = Kortin numero ei ole kelvollinen. Tarkista se ja yritä uudelleen.
checkout-error-card-expiry = Voimassaoloaika on virheellinen tai jo päättynyt. Kirjoita se muodossa KK/VV.
checkout-error-card-cvc = Anna kortin takapuolella oleva 3- tai 4-numeroinen turvakoodi.
