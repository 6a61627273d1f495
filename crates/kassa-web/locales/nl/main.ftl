# Layout
skip-to-content = Direct naar de inhoud
nav-label = Hoofdmenu
header-store = Winkel
header-switch-store = Wisselen
header-language = Taal
store-playground = Testomgeving
store-live = Live
theme-label = Weergave
theme-light = Licht
theme-dark = Donker
theme-system = Zelfde als apparaat
sign-out = Uitloggen
action-save = Opslaan

# Menu sections
nav-home = Home
nav-orders = Bestellingen
nav-settlements = Uitbetalingen
nav-disputes = Geschillen
nav-users = Gebruikersbeheer
nav-integrations = Integraties
nav-developer-logs = Ontwikkelaarslogs

# Roles
role-super-admin = Superbeheerder
role-admin = Beheerder
role-user = Gebruiker
role-settlement = Uitbetalingen
role-disputes = Geschillen
role-read-only = Alleen lezen
role-terminated = Beëindigd
role-external = Extern

# Sign-in
sign-in-title = Inloggen
sign-in-intro = Log in om je bestellingen, uitbetalingen en winkel te beheren.
sign-in-submit = Inloggen
sign-in-signed-out = Je bent uitgelogd.
sign-in-session-ended = Je sessie is verlopen. Log opnieuw in.
sign-in-error-credentials = Het e-mailadres of wachtwoord klopt niet. Controleer ze en probeer het opnieuw.
sign-in-error-locked = Te veel mislukte pogingen. Het account is 30 minuten geblokkeerd; probeer het later opnieuw of stel je wachtwoord opnieuw in.
sign-in-error-expired = Je toegang tot dit portaal is verlopen. Vraag een beheerder van je bedrijf om deze te verlengen.
sign-in-error-inactive = Dit account is niet actief. Vraag een beheerder van je bedrijf om het opnieuw te activeren.
sign-in-error-no-store = Je account heeft geen toegang tot een winkel. Vraag een beheerder van je bedrijf om je toegang te geven.
field-email = E-mail
field-password = Wachtwoord
field-name = Naam
field-phone = Telefoon
field-timezone = Tijdzone
field-current-password = Huidig wachtwoord
field-new-password = Nieuw wachtwoord
field-confirm-password = Herhaal nieuw wachtwoord

# Home
home-title = Home
home-greeting = Welkom, { $name }! Je bent in { $store } van { $merchant }.
home-store-heading = Je winkel
home-merchant = Bedrijf
home-store = Winkel
home-store-id = Winkel-ID
home-environment = Omgeving
home-role = Je rol

# Account settings
account-title = Accountinstellingen
account-profile-heading = Persoonlijke gegevens
account-preferences-heading = Voorkeuren
account-password-heading = Wachtwoord
account-password-hint = Minimaal 12 tekens. Een paar woorden die niets met elkaar te maken hebben, vormen een sterk wachtwoord.
account-password-submit = Wachtwoord wijzigen
account-company-heading = Bedrijf
account-last-sign-in = Laatst ingelogd:
account-saved-profile = Je persoonlijke gegevens zijn opgeslagen.
account-saved-password = Je wachtwoord is gewijzigd. Andere sessies zijn uitgelogd.
account-error-name = Vul een naam in van maximaal 100 tekens.
account-error-phone = Vul een telefoonnummer in met alleen cijfers, spaties, +, - en haakjes (maximaal 40 tekens).
account-error-timezone = Kies een tijdzone uit de lijst.
account-error-current-password = Het huidige wachtwoord klopt niet.
account-error-password-policy = Het nieuwe wachtwoord moet minimaal 12 tekens lang zijn.
account-error-password-mismatch = De twee nieuwe wachtwoorden komen niet overeen.
company-legal-name = Statutaire naam
company-org-number = KvK-nummer
company-vat-id = Btw-nummer
company-address = Adres

# Errors
error-not-found-title = Pagina niet gevonden
error-not-found-text = De pagina bestaat niet of je hebt er geen toegang toe.
error-forbidden-title = Niet toegestaan
error-forbidden-text = Je rol staat dit niet toe of het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens.
error-bad-request-title = Er klopte iets niet in het verzoek
error-bad-request-text = Het verzoek kon niet worden verwerkt. Ga terug en probeer het opnieuw.
error-internal-title = Er ging iets mis
error-internal-text = We konden het verzoek niet voltooien. Probeer het zo opnieuw; blijft het probleem zich voordoen, neem dan contact op met support en vermeld de referentie hieronder.
error-reference = Referentie:
error-back-home = Naar Home

# Hosted checkout
checkout-title = Afrekenen
checkout-test-mode = Testmodus: er wordt geen echte betaling gedaan
checkout-summary = Je bestelling
checkout-item = Artikel
checkout-quantity = Aantal
checkout-amount = Bedrag
checkout-total = Totaal
checkout-of-which-tax = waarvan btw
checkout-complete-title = Bedankt voor je bestelling!
checkout-complete-text = Je aankoop is bevestigd. De winkel stuurt je een bevestiging.
checkout-expired-title = Deze betaalsessie is verlopen
checkout-expired-text = Ga terug naar de winkel en begin opnieuw met afrekenen.
checkout-aborted-title = De winkel heeft deze aankoop geannuleerd
checkout-details = Je gegevens en betaling
checkout-given-name = Voornaam
checkout-family-name = Achternaam
checkout-street = Straat en huisnummer
checkout-postal-code = Postcode
checkout-city = Plaats
checkout-payment-method = Betaalmethode
checkout-method-invoice = Achteraf betalen per factuur
checkout-method-card = Kaart
checkout-method-parts = In 3 termijnen betalen
checkout-card-details = Kaartgegevens (alleen bij betalen met kaart)
checkout-card-hint = Testkaarten: 4111 1111 1111 1111 wordt goedgekeurd, 4000 0000 0000 0002 wordt geweigerd. Gebruik een willekeurige vervaldatum in de toekomst en 3 willekeurige cijfers.
checkout-card-number = Kaartnummer
checkout-card-expiry = Vervaldatum (MM/JJ)
checkout-card-cvc = Beveiligingscode (CVC)
checkout-confirm = Bevestigen en betalen
checkout-error-required = Vul je e-mailadres en je voor- en achternaam in.
checkout-error-method = Kies een betaalmethode.
checkout-error-card-declined = De kaart is geweigerd. Probeer een andere kaart of een andere betaalmethode.
checkout-error-card-number = Het kaartnummer is ongeldig. Controleer het en probeer het opnieuw.
checkout-error-card-expiry = De vervaldatum is ongeldig of al verstreken. Vul deze in als MM/JJ.
checkout-error-card-cvc = Vul de 3- of 4-cijferige beveiligingscode van de achterkant van de kaart in.
