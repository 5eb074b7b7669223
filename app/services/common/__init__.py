"""What every part of the services shares: errors, the actor, the calendar, validation, encryption, audit."""
