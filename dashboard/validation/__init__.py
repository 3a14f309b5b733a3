"""What counts as valid input, written once: forms check it as a person types, services
again on the server, from the providers' field specs and the rules here."""
