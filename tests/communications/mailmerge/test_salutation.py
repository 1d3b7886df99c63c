from communications.mailmerge.letters import without_generic_salutation


def test_the_generic_greeting_is_dropped_so_letters_greet_by_name_once():
    body = "# Notice\n\nNovember 27, 2026\n\nDear Patient,\n\nWe are writing to you.\n"
    assert without_generic_salutation(body) == (
        "# Notice\n\nNovember 27, 2026\n\n\nWe are writing to you.\n"
    )


def test_spanish_greeting_is_dropped_too():
    assert without_generic_salutation("Estimado/a paciente:\n\nTexto\n") == "\nTexto\n"


def test_a_sentence_that_starts_with_dear_is_kept():
    body = "Dear friends, neighbours and patients of the hospital, we are sorry.\n"
    assert without_generic_salutation(body) == body
