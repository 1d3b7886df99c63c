from communications.mailmerge.postal import ISO_COUNTRY_CODES, US_STATE_CODES


def test_us_codes_are_the_states_dc_territories_freely_associated_states_and_military():
    expected = frozenset(
        """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH
        NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC
        AS GU MP PR VI UM FM MH PW AA AE AP""".split()  # noqa: SIM905 (a block of codes)
    )
    assert expected == US_STATE_CODES


def test_country_codes_are_iso_3166_alpha_2():
    assert len(ISO_COUNTRY_CODES) == 249
    assert {"US", "GB", "IE", "PR", "XK"} - ISO_COUNTRY_CODES == {"XK"}  # Kosovo is no ISO code
    assert "UK" not in ISO_COUNTRY_CODES
