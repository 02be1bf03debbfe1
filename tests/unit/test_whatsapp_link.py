"""wa.me links: the text percent-encoded, an Indonesian local number turned international, no number = pick a chat."""

from lms.core.urls import whatsapp_link


def test_text_only_lets_the_person_pick_the_chat():
    assert whatsapp_link("Sertifikat saya: https://x.test/v/AB?c=1&d") == (
        "https://wa.me/?text=Sertifikat%20saya%3A%20https%3A//x.test/v/AB%3Fc%3D1%26d"
    )


def test_local_and_international_numbers():
    assert whatsapp_link("Halo", "0812-3456-789").startswith("https://wa.me/628123456789?")
    assert whatsapp_link("Halo", "+62 812 3456 789").startswith("https://wa.me/628123456789?")
