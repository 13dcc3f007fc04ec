"""framework contracts and call-offs

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 01:49:53.036862

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contracts',
    sa.Column('buyer_id', sa.BigInteger(), nullable=False),
    sa.Column('vendor_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('current_version', sa.BigInteger(), nullable=False),
    sa.Column('proposed_by_org', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('rfq_id', sa.BigInteger(), nullable=True),
    sa.Column('quote_id', sa.BigInteger(), nullable=True),
    sa.Column('price_list_id', sa.BigInteger(), nullable=True),
    sa.Column('renewed_from_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_contracts_period')),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_contracts_buyer_id_organizations')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_contracts_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['price_list_id'], ['price_lists.id'], name=op.f('fk_contracts_price_list_id_price_lists'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_org'], ['organizations.id'], name=op.f('fk_contracts_proposed_by_org_organizations')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_contracts_quote_id_quotes')),
    sa.ForeignKeyConstraint(['renewed_from_id'], ['contracts.id'], name=op.f('fk_contracts_renewed_from_id_contracts')),
    sa.ForeignKeyConstraint(['rfq_id'], ['rfqs.id'], name=op.f('fk_contracts_rfq_id_rfqs')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor_profiles.id'], name=op.f('fk_contracts_vendor_id_vendor_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_renewed_from_id'), ['renewed_from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_rfq_id'), ['rfq_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('contract_versions',
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('proposed_by_org', sa.BigInteger(), nullable=False),
    sa.Column('proposed_by', sa.BigInteger(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('max_value', sa.BigInteger(), nullable=False),
    sa.Column('committed_value', sa.BigInteger(), nullable=True),
    sa.Column('payment_terms', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('incoterm', sa.String(length=3), nullable=True),
    sa.Column('named_place', sa.String(length=200), nullable=True),
    sa.Column('delivery_region', sa.String(length=8), nullable=True),
    sa.Column('delivery_address', sa.Text(), nullable=True),
    sa.Column('lead_time_days', sa.BigInteger(), nullable=True),
    sa.Column('buyer_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('buyer_accepted_by', sa.BigInteger(), nullable=True),
    sa.Column('vendor_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('vendor_accepted_by', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('committed_value IS NULL OR committed_value <= max_value', name=op.f('ck_contract_versions_committed')),
    sa.CheckConstraint('max_value > 0', name=op.f('ck_contract_versions_max_value_positive')),
    sa.ForeignKeyConstraint(['buyer_accepted_by'], ['users.id'], name=op.f('fk_contract_versions_buyer_accepted_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_versions_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_contract_versions_proposed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_org'], ['organizations.id'], name=op.f('fk_contract_versions_proposed_by_org_organizations')),
    sa.ForeignKeyConstraint(['vendor_accepted_by'], ['users.id'], name=op.f('fk_contract_versions_vendor_accepted_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_versions')),
    sa.UniqueConstraint('contract_id', 'number', name=op.f('uq_contract_versions_contract_id_number'))
    )
    with op.batch_alter_table('contract_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_versions_contract_id'), ['contract_id'], unique=False)

    op.create_table('call_offs',
    sa.Column('contract_id', sa.BigInteger(), nullable=False),
    sa.Column('contract_version', sa.BigInteger(), nullable=False),
    sa.Column('buyer_id', sa.BigInteger(), nullable=False),
    sa.Column('vendor_id', sa.BigInteger(), nullable=False),
    sa.Column('deal_id', sa.BigInteger(), nullable=False),
    sa.Column('placed_by', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_call_offs_buyer_id_organizations')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_call_offs_contract_id_contracts')),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_call_offs_deal_id_deals')),
    sa.ForeignKeyConstraint(['placed_by'], ['users.id'], name=op.f('fk_call_offs_placed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor_profiles.id'], name=op.f('fk_call_offs_vendor_id_vendor_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_offs')),
    sa.UniqueConstraint('deal_id', name=op.f('uq_call_offs_deal_id'))
    )
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_offs_contract_id'), ['contract_id'], unique=False)

    op.create_table('contract_items',
    sa.Column('version_id', sa.BigInteger(), nullable=False),
    sa.Column('item_no', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=True),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('category_id', sa.BigInteger(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('tiers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('committed_qty', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('committed_qty IS NULL OR committed_qty >= 1', name=op.f('ck_contract_items_committed_qty')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_contract_items_price')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_contract_items_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_contract_items_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['contract_versions.id'], name=op.f('fk_contract_items_version_id_contract_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_items')),
    sa.UniqueConstraint('version_id', 'item_no', name=op.f('uq_contract_items_version_id_item_no'))
    )
    with op.batch_alter_table('contract_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_items_version_id'), ['version_id'], unique=False)

    op.create_table('call_off_lines',
    sa.Column('call_off_id', sa.BigInteger(), nullable=False),
    sa.Column('item_no', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_call_off_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['call_off_id'], ['call_offs.id'], name=op.f('fk_call_off_lines_call_off_id_call_offs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_off_lines'))
    )
    with op.batch_alter_table('call_off_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_off_lines_call_off_id'), ['call_off_id'], unique=False)

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_id', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deals_contract_id'), ['contract_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_deals_contract_id_contracts'), 'contracts', ['contract_id'], ['id'])



def downgrade():
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deals_contract_id_contracts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_deals_contract_id'))
        batch_op.drop_column('contract_id')

    with op.batch_alter_table('call_off_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_off_lines_call_off_id'))

    op.drop_table('call_off_lines')
    with op.batch_alter_table('contract_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_items_version_id'))

    op.drop_table('contract_items')
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_offs_contract_id'))

    op.drop_table('call_offs')
    with op.batch_alter_table('contract_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_versions_contract_id'))

    op.drop_table('contract_versions')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_rfq_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_renewed_from_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_buyer_id'))

    op.drop_table('contracts')
