/**
 * The sandbox's rental orders (spec §1.1). One store may back several servers (primary and
 * backup), as the real hosts share one order database.
 */

/** Order states as `wxv/queryrentbill` reports them. */
const OrderState = {
  CREATED: 'CREATED',
  USER_ACCEPTED: 'USER_ACCEPTED',
  FINISHED: 'FINISHED',
  USER_PAID: 'USER_PAID',
  REVOKED: 'REVOKED',
  EXPIRED: 'EXPIRED',
} as const;
type OrderState = (typeof OrderState)[keyof typeof OrderState];

/** One rental order. Mutable on purpose: tests may inspect and change it. */
type Order = {
  out_order_no: string;
  state: OrderState;
  service_id: string;
  appid: string;
  /** WeChat Pay's 20-digit service order id. */
  order_id: string;
  /** Successful cancels applied to this order (more than 1 is impossible by the state rules). */
  cancelCount: number;
};

type SeedOptions = Partial<Pick<Order, 'service_id' | 'appid' | 'order_id'>>;

/** Orders keyed by `out_order_no`. */
interface OrderStore {
  get(outOrderNo: string): Order | undefined;
  /**
   * Creates or replaces an order in `state` (default `CREATED`), with the store's default appid
   * and service_id unless given, and a fresh 20-digit `order_id`.
   */
  seed(outOrderNo: string, state?: OrderState, options?: SeedOptions): Order;
  /**
   * Moves an existing order to `state` (the user confirming, the order expiring...).
   * @throws {Error} when no such order exists.
   */
  setState(outOrderNo: string, state: OrderState): Order;
  delete(outOrderNo: string): boolean;
  values(): Order[];
  clear(): void;
}

/** First order_id handed out; each order takes the next number. Exactly 20 digits. */
const FIRST_ORDER_ID = 15_646_546_545_165_650_000n;

/**
 * Creates an empty store whose seeded orders default to `defaults.appid` and `defaults.service_id`.
 */
const createOrderStore = (defaults: { appid: string; service_id: string }): OrderStore => {
  const orders = new Map<string, Order>();
  let sequence = 0n;
  const nextOrderId = (): string => {
    sequence += 1n;
    return (FIRST_ORDER_ID + sequence).toString();
  };
  return {
    get: (outOrderNo) => orders.get(outOrderNo),
    seed: (outOrderNo, state = OrderState.CREATED, options = {}) => {
      const order: Order = {
        out_order_no: outOrderNo,
        state,
        service_id: options.service_id ?? defaults.service_id,
        appid: options.appid ?? defaults.appid,
        order_id: options.order_id ?? nextOrderId(),
        cancelCount: 0,
      };
      orders.set(outOrderNo, order);
      return order;
    },
    setState: (outOrderNo, state) => {
      const order = orders.get(outOrderNo);
      if (order === undefined) throw new Error(`no order ${outOrderNo} in the sandbox`);
      order.state = state;
      return order;
    },
    delete: (outOrderNo) => orders.delete(outOrderNo),
    values: () => [...orders.values()],
    clear: () => orders.clear(),
  };
};

export { OrderState, createOrderStore };
export type { Order, OrderStore, SeedOptions };
