"""The service device every entity belongs to (entity.py)."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "Printernizer Usage Statistics"), ("de", "Printernizer-Nutzungsstatistik")],
)
async def test_the_device_name_is_translated_and_its_identity_kept(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    language: str,
    name: str,
) -> None:
    """The name follows Home Assistant's language, not the entry's title."""
    hass.config.language = language
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, title="My statistics")
    # A device from a release that named it after the entry's title.
    devices = dr.async_get(hass)
    devices.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={(DOMAIN, mock_config_entry.entry_id)},
        name="Printernizer Usage Statistics (old)",
    )

    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    [device] = dr.async_entries_for_config_entry(devices, mock_config_entry.entry_id)
    assert device.identifiers == {(DOMAIN, mock_config_entry.entry_id)}
    assert device.name == name
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    # Every entity of the entry sits on that one device.
    entities = er.async_entries_for_config_entry(
        er.async_get(hass), mock_config_entry.entry_id
    )
    assert entities
    assert {entity.device_id for entity in entities} == {device.id}
